"""Password recovery pages (SPEC §2 step 6): a code to the verified phone or e-mail, then a new password."""

from __future__ import annotations

from flask import flash, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts import recovery
from app.accounts.captcha import check_captcha
from app.accounts.errors import MESSAGES, AccountError
from app.domain.enums import Channel
from app.views.account import IDENTITY_LABELS, _channel, _ip, _mask, _post_limit
from app.views.form_errors import kept_passwords, missing, placed

RECOVER_KEY = "recover"


class RecoveryView(BaseView):
    """找回密码: a code to the verified phone or e-mail, then a new password."""

    route_base = "/recover"
    default_view = "start"
    limits = [_post_limit("RECOVERY_RATE_LIMIT", "10 per hour")]

    @expose("/", methods=["GET", "POST"])
    def start(self):
        """Ask for the account and the channel, check the captcha, send the code."""
        values = {"login": request.form.get("login", "").strip(), "channel": _channel(request.form.get("channel"))}
        errors: list[AccountError] = []
        if request.method == "POST":
            captcha = request.form.get("captcha", "")
            errors = missing({**values, "captcha": captcha},
                             {"login": _l("Login name, mobile number, e-mail or ID number"), "captcha": IDENTITY_LABELS["captcha"]})
            if captcha.strip() and not check_captcha(captcha):
                errors.append(placed(AccountError("captcha_wrong")))
            if not errors:
                try:
                    physician = recovery.start_recovery(values["login"], values["channel"], ip=_ip())
                except AccountError as refusal:
                    errors = [placed(refusal)]
                else:
                    target = physician.phone if values["channel"] == Channel.SMS else physician.email
                    session[RECOVER_KEY] = {**values, "target": _mask(values["channel"], target)}
                    return redirect(url_for("RecoveryView.reset"))
        return self.render_template("account/recover.html", values=values, errors=errors,
                                    page_title=_("Recover my password"))

    @expose("/reset", methods=["GET", "POST"])
    def reset(self):
        """Check the code and set the new password."""
        pending = session.get(RECOVER_KEY)
        if not pending:
            return redirect(url_for("RecoveryView.start"))
        errors: list[AccountError] = []
        form = request.form
        if request.method == "POST":
            errors = missing(form, {"code": _l("Verification code"), "password": _l("New password"),
                                    "password2": _l("New password again")})
            if not errors:
                try:
                    recovery.reset_password(pending["login"], pending["channel"], form.get("code", ""),
                                            form.get("password", ""), form.get("password2", ""), ip=_ip())
                except AccountError as refusal:
                    errors = [placed(refusal)]
                else:
                    session.pop(RECOVER_KEY, None)
                    flash(_("Your password was changed. Please log in with the new password."), "success")
                    return redirect(self.appbuilder.get_url_for_login)
        return self.render_template(
            "account/reset.html", pending=pending, errors=errors, complexity=MESSAGES["password_weak"],
            values=kept_passwords(form, errors), page_title=_("Set a new password"),
        )
