"""Public account pages: the four-step sign-up wizard and password recovery (SPEC §2).

Thin views: read the form, call the command in app.accounts, flash or re-render the refusal with
the typed values (never the passwords). No @has_access here: anonymous people must reach these
pages; steps 3 and 4 only act on the physician profile of the logged-in user.
"""

from __future__ import annotations

from flask import Response, current_app, flash, jsonify, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.utils.limit import Limit
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from sqlalchemy import select

from app.accounts import activation, recovery, signup
from app.accounts.captcha import check_captcha, new_captcha
from app.accounts.errors import MESSAGES, AccountError
from app.accounts.progress import AWAIT_ACTIVATION, VERIFY_CONTACT, next_step
from app.domain.enums import AccountStatus, Channel
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.models import Institution, Physician

SIGNUP_KEY = "signup"
RECOVER_KEY = "recover"
CHOICES_LIMIT = 20


def _ip() -> str | None:
    return request.remote_addr


def _too_many() -> str:
    return _("Too many attempts from your network. Please try again later.")


def _post_limit(config_key: str, default: str) -> Limit:
    """Limit POSTs per client address; the value is read from the configuration at request time."""
    return Limit(lambda: current_app.config.get(config_key, default), key_func=get_remote_address,
                 methods=("POST",), error_message=_too_many, cost=1)


def current_physician() -> Physician | None:
    """Return the physician profile of the logged-in user, if any."""
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(Physician).where(Physician.user_id == current_user.id))


def next_step_endpoint(physician: Physician | None) -> str | None:
    """Return the sign-up step a physician still has to complete, or None."""
    if physician is None:
        return None
    return {VERIFY_CONTACT: "SignupView.verify", AWAIT_ACTIVATION: "SignupView.activate"}.get(
        next_step(physician, None)
    )


def institution_choices(query: str = "", include_id: int | None = None) -> list[Institution]:
    """Return up to 20 selectable (non-military) institutions matching a name or licence number."""
    rows = signup.selectable_institutions(query, CHOICES_LIMIT)
    if include_id and all(row.id != include_id for row in rows):
        chosen = db.session.get(Institution, include_id)
        if chosen is not None and not chosen.is_military:
            rows.insert(0, chosen)
    return rows


def _mask(channel: str, target: str | None) -> str:
    return mask_phone(target) if channel == Channel.SMS else mask_email(target)


def _channel(value: str | None) -> str:
    return Channel.EMAIL.value if value == Channel.EMAIL else Channel.SMS.value


class SignupView(BaseView):
    """个人注册: identity → contact and credentials → phone code → activation."""

    route_base = "/signup"
    default_view = "identity"
    limits = [_post_limit("SIGNUP_RATE_LIMIT", "30 per hour")]

    @expose("/captcha.png")
    def captcha(self) -> Response:
        """Serve a new captcha picture (and forget the previous one)."""
        response = Response(new_captcha(), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/privacy")
    def privacy(self):
        """Show the privacy notice the applicant consents to."""
        return self.render_template("account/privacy.html")

    @expose("/", methods=["GET", "POST"])
    def identity(self):
        """Step 1: name + ID number + captcha + consent, checked against the qualification records."""
        step = next_step_endpoint(current_physician())
        if step:
            return redirect(url_for(step))
        values = {"name": request.form.get("name", ""), "id_number": request.form.get("id_number", ""),
                  "consent": bool(request.form.get("consent"))}
        error = None
        if request.method == "POST":
            try:
                if not check_captcha(request.form.get("captcha")):
                    raise AccountError("captcha_wrong")
                if not values["consent"]:
                    raise AccountError("consent_required")
                person = signup.check_identity(values["name"], values["id_number"])
            except AccountError as refusal:
                error = refusal
            else:
                session[SIGNUP_KEY] = {"name": person.name, "id_number": person.id_number}
                return redirect(url_for("SignupView.account"))
        return self.render_template("account/identity.html", step=1, values=values, error=error)

    @expose("/account", methods=["GET", "POST"])
    def account(self):
        """Step 2: mobile, e-mail, login name, password and the institution that will activate."""
        person = session.get(SIGNUP_KEY)
        if not person:
            flash(_("Please start with your name and ID number."), "warning")
            return redirect(url_for("SignupView.identity"))
        form = request.form
        values = {key: form.get(key, "").strip() for key in ("phone", "email", "username", "q")}
        chosen = form.get("institution_id", "")
        values["institution_id"] = int(chosen) if chosen.isdigit() else None
        error = None
        if request.method == "POST" and "search" not in form:
            try:
                physician = signup.create_account(
                    name=person["name"], id_number=person["id_number"], phone=values["phone"],
                    email=values["email"], username=values["username"], password=form.get("password", ""),
                    password2=form.get("password2", ""), institution_id=chosen, ip=_ip(),
                    consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],  # accepted at step 1
                )
            except AccountError as refusal:
                error = refusal
            else:
                session.pop(SIGNUP_KEY, None)
                login_user(physician.user)
                flash(_("Your account was created. We sent a 6-digit code to %(phone)s.",
                        phone=physician.phone_masked), "success")
                return redirect(url_for("SignupView.verify"))
        institutions = institution_choices(values["q"], values["institution_id"])
        return self.render_template(
            "account/credentials.html", step=2, person=person, values=values, error=error,
            institutions=institutions, complexity=MESSAGES["password_weak"],
        )

    @expose("/institutions")
    def institutions(self):
        """Return up to 20 selectable institutions matching ``q`` as JSON (for the search box)."""
        rows = institution_choices(request.args.get("q", ""))
        return jsonify([{"id": row.id, "name": row.name, "license_no": row.license_no} for row in rows])

    def _physician_at(self, status: AccountStatus):
        """Return the logged-in physician if it is at ``status``, else a redirect to where it belongs."""
        physician = current_physician()
        if physician is None:
            if current_user.is_authenticated:
                return None, redirect(url_for("PhysicianHomeView.index"))
            flash(_("Please log in to continue your sign-up."), "warning")
            return None, redirect(self.appbuilder.get_url_for_login)
        if physician.status != status:
            return None, redirect(url_for(next_step_endpoint(physician) or "PhysicianHomeView.index"))
        return physician, None

    @expose("/verify", methods=["GET", "POST"])
    def verify(self):
        """Step 3: the code sent by SMS, or by e-mail when no SMS arrives."""
        physician, elsewhere = self._physician_at(AccountStatus.CREATED)
        if elsewhere:
            return elsewhere
        channel = _channel(request.values.get("channel"))
        action = request.form.get("action", "verify")
        error = None
        if request.method == "POST":
            try:
                if action in ("resend", "email"):
                    channel = Channel.EMAIL.value if action == "email" else channel
                    signup.send_signup_code(physician, channel)
                    target = physician.phone if channel == Channel.SMS else physician.email
                    flash(_("A new code was sent to %(target)s.", target=_mask(channel, target)), "success")
                    return redirect(url_for("SignupView.verify", channel=channel))
                signup.verify_signup(physician, channel, request.form.get("code", ""), ip=_ip())
            except AccountError as refusal:
                error = refusal
            else:
                if physician.status == AccountStatus.ACTIVE:
                    flash(_("Verified. %(institution)s activates accounts automatically: your account is active.",
                            institution=physician.institution.name), "success")
                    return redirect(url_for("PhysicianHomeView.index"))
                flash(_("Verified. One step left: activation by your institution."), "success")
                return redirect(url_for("SignupView.activate"))
        target = physician.phone if channel == Channel.SMS else physician.email
        return self.render_template(
            "account/verify.html", step=3, physician=physician, channel=channel,
            target=_mask(channel, target), error=error,
        )

    @expose("/activate", methods=["GET", "POST"])
    def activate(self):
        """Step 4: enter the activation code issued by the institution."""
        physician, elsewhere = self._physician_at(AccountStatus.VERIFIED)
        if elsewhere:
            return elsewhere
        error = None
        if request.method == "POST":
            try:
                activation.activate(physician, request.form.get("code", ""), ip=_ip())
            except AccountError as refusal:
                error = refusal
            else:
                flash(_("Your account is active. Welcome!"), "success")
                return redirect(url_for("PhysicianHomeView.index"))
        targets = [mask_phone(physician.phone)] if physician.phone_verified else []
        targets += [mask_email(physician.email)] if physician.email_verified else []
        return self.render_template(
            "account/activate.html", step=4, physician=physician, targets=targets, error=error
        )


class RecoveryView(BaseView):
    """找回密码: a code to the verified phone or e-mail, then a new password."""

    route_base = "/recover"
    default_view = "start"
    limits = [_post_limit("RECOVERY_RATE_LIMIT", "10 per hour")]

    @expose("/", methods=["GET", "POST"])
    def start(self):
        """Ask for the account and the channel, check the captcha, send the code."""
        values = {"login": request.form.get("login", "").strip(), "channel": _channel(request.form.get("channel"))}
        error = None
        if request.method == "POST":
            try:
                if not check_captcha(request.form.get("captcha")):
                    raise AccountError("captcha_wrong")
                physician = recovery.start_recovery(values["login"], values["channel"], ip=_ip())
            except AccountError as refusal:
                error = refusal
            else:
                target = physician.phone if values["channel"] == Channel.SMS else physician.email
                session[RECOVER_KEY] = {**values, "target": _mask(values["channel"], target)}
                return redirect(url_for("RecoveryView.reset"))
        return self.render_template("account/recover.html", values=values, error=error)

    @expose("/reset", methods=["GET", "POST"])
    def reset(self):
        """Check the code and set the new password."""
        pending = session.get(RECOVER_KEY)
        if not pending:
            return redirect(url_for("RecoveryView.start"))
        error = None
        if request.method == "POST":
            form = request.form
            try:
                recovery.reset_password(pending["login"], pending["channel"], form.get("code", ""),
                                        form.get("password", ""), form.get("password2", ""), ip=_ip())
            except AccountError as refusal:
                error = refusal
            else:
                session.pop(RECOVER_KEY, None)
                flash(_("Your password was changed. Please log in with the new password."), "success")
                return redirect(self.appbuilder.get_url_for_login)
        return self.render_template(
            "account/reset.html", pending=pending, error=error, complexity=MESSAGES["password_weak"]
        )


def register_account_views(appbuilder) -> None:
    """Register the public sign-up and recovery pages (no menu entries, no permissions)."""
    appbuilder.add_view_no_menu(SignupView())
    appbuilder.add_view_no_menu(RecoveryView())
