"""Message texts: one template per purpose, rendered in Chinese whatever the UI language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

# template -> (e-mail subject, body); bodies use %(name)s placeholders.
TEMPLATES = {
    "signup_code": (
        _l("Verification code"),
        _l("[Physician Registration] Your verification code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone."),
    ),
    "recovery_code": (
        _l("Password recovery code"),
        _l("[Physician Registration] You are resetting your password. The code is %(code)s, valid for %(minutes)d minutes. If this was not you, ignore this message."),
    ),
    "change_phone_code": (
        _l("Confirm your new mobile number"),
        _l("[Physician Registration] The code to confirm this mobile number is %(code)s, valid for %(minutes)d minutes."),
    ),
    "change_email_code": (
        _l("Confirm your new e-mail address"),
        _l("[Physician Registration] The code to confirm this e-mail address is %(code)s, valid for %(minutes)d minutes."),
    ),
    "activation_code": (
        _l("Your activation code"),
        _l("[Physician Registration] %(institution)s issued your account activation code %(code)s, valid until %(expires)s. Log in and choose \"Activate my account\"."),
    ),
    "account_activated": (
        _l("Your account is active"),
        _l("[Physician Registration] Your account has been activated by %(institution)s. You can now file registration applications."),
    ),
    "password_changed": (
        _l("Your password was changed"),
        _l("[Physician Registration] Your password was changed at %(time)s. If this was not you, reset it at once and contact your institution."),
    ),
    "phone_changed": (
        _l("Your mobile number was changed"),
        _l("[Physician Registration] The mobile number of your account was changed to %(new)s at %(time)s. If this was not you, contact your institution at once."),
    ),
    "email_changed": (
        _l("Your e-mail address was changed"),
        _l("[Physician Registration] The e-mail address of your account was changed to %(new)s at %(time)s. If this was not you, contact your institution at once."),
    ),
}

MESSAGE_LOCALE = "zh"


def render(template: str, **params) -> tuple[str, str]:
    """Return the (subject, body) of a template in the message language."""
    return render_many(template, [params])[0]


def render_many(template: str, rows: list[dict], **shared) -> list[tuple[str, str]]:
    """Return the (subject, body) of a template for each parameter set in ``rows``.

    The texts and the ``shared`` parameters (labels, say) are translated once for all rows; both
    the subject and the body take the parameters.
    """
    subject, body = TEMPLATES[template]
    with force_locale(MESSAGE_LOCALE):
        subject, body = str(subject), str(body)
        common = {name: str(value) for name, value in shared.items()}
        return [(subject % (common | row), body % (common | row)) for row in rows]
