"""The landing page: each role is taken to where its work is."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN


class RegistryIndexView(IndexView):
    """Send a logged-in user to the first screen of its role; show the welcome page otherwise."""

    index_template = "index.html"

    @expose("/")
    def index(self):
        """Redirect by role, or render the public welcome page."""
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            names = {role.name for role in user.roles}
            if PHYSICIAN in names and not names & {ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN}:
                return redirect(url_for("PhysicianHomeView.index"))
            if INSTITUTION_ADMIN in names and ADMIN not in names:
                return redirect(url_for("MyPhysicianView.list"))
            if COMMISSION_REVIEWER in names and ADMIN not in names:
                return redirect(url_for("PhysicianView.list"))
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
