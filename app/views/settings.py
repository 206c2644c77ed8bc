"""Our replacements of FAB's 个人资料 / 修改我的密码 pages (issue 6 item 1).

FAB's own pages let anybody rename themselves and set a password without the current one, with no
notice and no audit. The security manager registers these classes in their place, under FAB's URLs
and permission names: the profile edit sends people to their security settings, and the password
page asks for the current password and runs the same command as /me/security/ (audit + notice).
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import settings
from app.accounts.errors import MESSAGES, AccountError
from app.extensions import db
from app.labels import role_names
from app.models import Physician


def settings_url() -> str:
    """Return the security settings page of the logged-in user (physician or staff)."""
    is_physician = db.session.scalar(select(Physician.id).where(Physician.user_id == g.user.id)) is not None
    return url_for("PhysicianHomeView.security" if is_physician else "MyPasswordView.this_form_get")


class ProfileEditRedirectView(BaseView):
    """FAB's 编辑用户 form, closed: names come from the qualification record or the administrator."""

    route_base = "/userinfoeditview"
    class_permission_name = "UserInfoEditView"  # keep FAB's permission names
    default_view = "this_form_get"

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        """Send the user to the security settings instead of a name form."""
        flash(_("Your name is taken from your records and cannot be changed here."), "info")
        return redirect(settings_url())

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        """Refuse the old form's post the same way."""
        return self.this_form_get()


class MyPasswordView(BaseView):
    """修改密码 of any logged-in user: current password, new password twice; audited, owner told."""

    route_base = "/resetmypassword"
    class_permission_name = "ResetMyPasswordView"  # keep FAB's permission names
    default_view = "this_form_get"

    def _page(self, error: AccountError | None = None):
        physician = db.session.scalar(select(Physician.id).where(Physician.user_id == g.user.id))
        return self.render_template(
            "account/password.html", user=g.user, roles=role_names(g.user.roles), error=error,
            complexity=MESSAGES["password_weak"], is_physician=physician is not None,
        )

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        """Show the account and the password form."""
        return self._page()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        """Change the password through the settings command."""
        form = request.form
        try:
            settings.change_password(g.user, form.get("old", ""), form.get("password", ""),
                                     form.get("password2", ""), ip=request.remote_addr)
        except AccountError as refusal:
            return self._page(refusal), 400
        flash(_("Your password was changed."), "success")
        return redirect(url_for("MyPasswordView.this_form_get"))
