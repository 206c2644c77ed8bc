"""The web login page: a failure says why (locked until HH:mm, disabled, wrong) and keeps the login name."""

from __future__ import annotations

from flask import g, redirect, request, session
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from app.accounts.errors import AccountError
from app.accounts.login import login_refusal
from app.views.form_errors import missing, placed

REFUSAL_KEY = "login_refusal"
LABELS = {"username": _l("Login name or e-mail"), "password": _l("Password")}


class LoginPageView(AuthDBView):
    """FAB's database login with our page and messages; a failure still answers with a redirect (PRG)."""

    login_template = "security/login.html"

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        """Show the form; log in, or come back to it with the reason and the typed login name."""
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        errors: list[AccountError] = []
        if request.method == "POST":
            if form.validate_on_submit():
                next_url = get_safe_redirect(request.args.get("next", ""))
                user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
                if user:
                    login_user(user, remember=False)
                    return redirect(next_url)
                refusal = login_refusal(form.username.data, form.password.data)
                session[REFUSAL_KEY] = {"code": refusal.code, "params": refusal.params, "login": form.username.data}
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            errors = missing(request.form, LABELS)
        else:
            kept = session.pop(REFUSAL_KEY, None)
            if kept:
                errors = [placed(AccountError(kept["code"], **kept["params"]), "password")]
                form.username.data = kept["login"]
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder,
                                    errors=errors, page_title=_l("Log in"))
