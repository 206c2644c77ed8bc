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
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from sqlalchemy import select

from app.accounts import activation, signup
from app.accounts.captcha import check_captcha, new_captcha
from app.accounts.codes import cooldown_left
from app.accounts.errors import MESSAGES, AccountError
from app.accounts.progress import AWAIT_ACTIVATION, VERIFY_CONTACT, next_step
from app.domain.enums import AccountStatus, Channel, CodePurpose
from app.domain.errors import RuleViolation
from app.domain.identity import validate_id_number
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.models import Institution, Physician
from app.views.form_errors import fields_in, kept_passwords, missing, placed

SIGNUP_KEY = "signup"
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


IDENTITY_LABELS = {"name": _l("Full name"), "id_number": _l("ID number"), "captcha": _l("Characters in the picture")}
ACCOUNT_LABELS = {
    "phone": _l("Mobile number"), "email": _l("E-mail"), "username": _l("Login name"), "password": _l("Password"),
    "password2": _l("Password again"), "institution_id": _l("Institution where you will practise"),
}
WELCOME_KEY = "welcome"


def _in_form_order(errors: list[AccountError], order) -> list[AccountError]:
    fields = list(order)
    return sorted(errors, key=lambda e: fields.index(e.field) if e.field in fields else len(fields))


def _identity_errors(values: dict) -> list[AccountError]:
    """Check step 1 field by field; the records are searched only once captcha and consent pass."""
    captcha = request.form.get("captcha", "")
    errors = missing({**values, "captcha": captcha}, IDENTITY_LABELS)
    if captcha.strip() and not check_captcha(captcha):
        errors.append(placed(AccountError("captcha_wrong")))
    if not values["consent"]:
        errors.append(placed(AccountError("consent_required")))
    if values["id_number"].strip():
        try:
            validate_id_number(values["id_number"])
        except RuleViolation as violation:
            errors.append(placed(AccountError.from_rule(violation)))
    return _in_form_order(errors, [*IDENTITY_LABELS, "consent"])


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
        errors: list[AccountError] = []
        if request.method == "POST":
            errors = _identity_errors(values)
            if not errors:
                try:
                    person = signup.check_identity(values["name"], values["id_number"])
                except AccountError as refusal:
                    errors = [placed(refusal)]
                else:
                    session[SIGNUP_KEY] = {"name": person.name, "id_number": person.id_number}
                    return redirect(url_for("SignupView.account"))
        return self.render_template("account/identity.html", step=1, values=values, errors=errors,
                                    page_title=_("Physician sign-up: identity"))

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
        errors: list[AccountError] = []
        if request.method == "POST" and "search" not in form:
            errors = self._account_errors(person, form)
            if not errors:
                try:
                    physician = signup.create_account(
                        name=person["name"], id_number=person["id_number"], phone=values["phone"],
                        email=values["email"], username=values["username"], password=form.get("password", ""),
                        password2=form.get("password2", ""), institution_id=chosen, ip=_ip(),
                        consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],  # accepted at step 1
                    )
                except AccountError as refusal:
                    errors = [placed(refusal)]
                else:
                    session.pop(SIGNUP_KEY, None)
                    login_user(physician.user)
                    flash(_("Your account was created. We sent a 6-digit code to %(phone)s.",
                            phone=physician.phone_masked), "success")
                    return redirect(url_for("SignupView.verify"))
        values.update(kept_passwords(form, errors))  # a refusal or a search never wipes the passwords
        institutions = institution_choices(values["q"], values["institution_id"])
        return self.render_template(
            "account/credentials.html", step=2, person=person, values=values, errors=errors,
            institutions=institutions, complexity=MESSAGES["password_weak"], page_title=_("Contact details and login"),
        )

    @staticmethod
    def _account_errors(person: dict, form) -> list[AccountError]:
        """Return every problem of step 2 at once: empty fields, then each filled field's own check."""
        errors = missing(form, ACCOUNT_LABELS)
        empty = fields_in(errors)
        try:
            identity = signup.check_identity(person["name"], person["id_number"])
        except AccountError as refusal:
            return [placed(refusal, "phone")] + errors
        problems = signup.account_problems(
            identity, phone=form.get("phone", ""), email=form.get("email", ""), username=form.get("username", ""),
            password=form.get("password", ""), password2=form.get("password2", ""),
            institution_id=form.get("institution_id", ""),
        )
        errors += [error for error in map(placed, problems) if error.field not in empty]
        return _in_form_order(errors, ACCOUNT_LABELS)

    @expose("/institutions")
    def institutions(self):
        """Return up to 20 selectable institutions matching ``q`` as JSON (for the search box)."""
        rows = institution_choices(request.args.get("q", ""))
        return jsonify([{"id": row.id, "name": row.name, "license_no": row.license_no} for row in rows])

    def _physician_at(self, *statuses: AccountStatus):
        """Return the logged-in physician if it is at one of ``statuses``, else a redirect to where it belongs."""
        physician = current_physician()
        if physician is None:
            if current_user.is_authenticated:
                return None, redirect(url_for("PhysicianHomeView.index"))
            flash(_("Please log in to continue your sign-up."), "warning")
            return None, redirect(self.appbuilder.get_url_for_login)
        if physician.status not in statuses:
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
        errors: list[AccountError] = []
        if request.method == "POST":
            try:
                if action in ("resend", "email"):
                    channel = Channel.EMAIL.value if action == "email" else channel
                    signup.send_signup_code(physician, channel)
                    target = physician.phone if channel == Channel.SMS else physician.email
                    flash(_("A new code was sent to %(target)s.", target=_mask(channel, target)), "success")
                    return redirect(url_for("SignupView.verify", channel=channel))
                errors = missing(request.form, {"code": _l("Verification code")})
                if not errors:
                    signup.verify_signup(physician, channel, request.form.get("code", ""), ip=_ip())
            except AccountError as refusal:
                errors = [placed(refusal, "code" if action == "verify" else "resend")]
            if request.method == "POST" and not errors:
                session[WELCOME_KEY] = True
                if physician.status == AccountStatus.ACTIVE:
                    flash(_("Verified. %(institution)s activates accounts automatically: your account is active.",
                            institution=physician.institution.name), "success")
                    return redirect(url_for("PhysicianHomeView.index"))
                flash(_("Verified. One step left: activation by your institution."), "success")
                return redirect(url_for("SignupView.activate"))
        target = physician.phone if channel == Channel.SMS else physician.email
        return self.render_template(
            "account/verify.html", step=3, physician=physician, channel=channel, target=_mask(channel, target),
            errors=errors, cooldown=cooldown_left(target, CodePurpose.SIGNUP),
            page_title=_("Verify your e-mail address") if channel == Channel.EMAIL else _("Verify your mobile number"),
        )

    @expose("/activate", methods=["GET", "POST"])
    def activate(self):
        """Step 4: enter the activation code issued by the institution (or be activated automatically)."""
        physician, elsewhere = self._physician_at(AccountStatus.VERIFIED)
        if elsewhere:
            return elsewhere
        if activation.activate_if_automatic(physician, ip=_ip()):  # 自动激活 switched on since
            session[WELCOME_KEY] = True
            flash(_("%(institution)s activates accounts automatically: your account is active.",
                    institution=physician.institution.name), "success")
            return redirect(url_for("PhysicianHomeView.index"))
        errors: list[AccountError] = []
        if request.method == "POST":
            errors = missing(request.form, {"code": _l("Activation code")})
            if not errors:
                try:
                    activation.activate(physician, request.form.get("code", ""), ip=_ip())
                except AccountError as refusal:
                    errors = [placed(refusal)]
                else:
                    session[WELCOME_KEY] = True
                    flash(_("Your account is active. Welcome!"), "success")
                    return redirect(url_for("PhysicianHomeView.index"))
        return self._activate_page(physician, errors)

    def _activate_page(self, physician: Physician, errors: list[AccountError], query: str = ""):
        targets = [mask_phone(physician.phone)] if physician.phone_verified else []
        targets += [mask_email(physician.email)] if physician.email_verified else []
        return self.render_template(
            "account/activate.html", step=4, physician=physician, targets=targets, errors=errors,
            institutions=institution_choices(query, physician.institution_id), query=query,
            page_title=_("Activate my account"), login_name=physician.user.username,
        )

    @expose("/institution", methods=["POST"])
    def institution(self):
        """Before activation: search for, or switch to, another institution."""
        physician, elsewhere = self._physician_at(AccountStatus.VERIFIED, AccountStatus.CREATED)
        if elsewhere:
            return elsewhere
        query = request.form.get("q", "").strip()
        errors: list[AccountError] = []
        if "search" not in request.form:
            try:
                activation.change_institution(physician, request.form.get("institution_id", ""), ip=_ip())
            except AccountError as refusal:
                errors = [placed(refusal)]
            else:
                flash(_("Your institution is now %(institution)s. Ask it for the activation code.",
                        institution=physician.institution.name), "success")
                return redirect(url_for(next_step_endpoint(physician) or "PhysicianHomeView.index"))
        if physician.status == AccountStatus.CREATED:
            return redirect(url_for("SignupView.verify"))
        return self._activate_page(physician, errors, query)


def register_account_views(appbuilder) -> None:
    """Register the public sign-up and recovery pages (no menu entries, no permissions)."""
    from app.views.recovery import RecoveryView

    appbuilder.add_view_no_menu(SignupView())
    appbuilder.add_view_no_menu(RecoveryView())
