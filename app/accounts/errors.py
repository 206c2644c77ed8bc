"""Refusals of the account commands: their codes and texts in the one registry (app.commands)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.commands import MESSAGES as REGISTRY
from app.commands import CommandError, command, register_messages

ACCOUNT_MESSAGES = {
    # identity (GB 11643) and qualification
    "id_length": _l("The ID number must have 18 characters (17 digits and a final digit or X)."),
    "id_region": _l("The first six digits of the ID number are not a known region code. Please check the number."),
    "id_birth_date": _l("The birth date inside the ID number is not a real date. Please check the number."),
    "id_checksum": _l("The last character of the ID number does not match; please check it against your ID card."),
    "name_required": _l("Please enter your name exactly as on your ID card."),
    "no_qualification": _l(
        "No qualification record matches this name and ID number. Check both against your "
        "qualification certificate; if they are right, the exam results may not be imported yet: "
        "contact the health commission of the province where you took the exam."
    ),
    "account_exists": _l(
        "An account already exists for this ID number. If you forgot the login name or password, use password recovery."
    ),
    "not_open_yet": _l(
        "Accounts for your exam cohort open on %(date)s. Please come back then."
    ),
    "consent_required": _l("Please read and accept the privacy notice."),
    "captcha_wrong": _l("The characters from the picture do not match. Please try again with the new picture."),
    # contact and credentials
    "mobile_invalid": _l("Please enter an 11-digit mainland mobile number starting with 13–19."),
    "email_invalid": _l("Please enter a valid e-mail address, such as name@example.com."),
    "username_invalid": _l(
        "The login name must be 4 to 32 letters, digits, underscores or dots, and start with a letter."
    ),
    "username_taken": _l("This login name is taken. Please choose another."),
    "username_is_id": _l("Do not use your ID number or name as the login name."),
    "password_weak": _l(
        "Password must be 8 to 64 characters long and contain at least three of: lower-case "
        "letters, upper-case letters, digits and symbols."
    ),
    "password_mismatch": _l("The two passwords differ. Please type the same password twice."),
    "password_wrong": _l("The current password is wrong."),
    "phone_taken": _l("This mobile number is already used by another account."),
    "email_taken": _l("This e-mail address is already used by another account."),
    "institution_required": _l("Please choose the institution where you will practise."),
    "institution_military": _l(
        "Military and armed-police hospitals are not registered here: please contact the military health department."
    ),
    # codes
    "code_cooldown": _l("A code was sent less than a minute ago. Please wait %(seconds)d seconds before asking again."),
    "code_hourly_cap": _l("Too many codes were sent to this address in the last hour. Please try again later."),
    "code_missing": _l("No valid code was sent for this. Please ask for a new code."),
    "code_expired": _l("The code has expired. Please ask for a new code."),
    "code_used": _l("This code was already used. Please ask for a new code."),
    "code_locked": _l("Too many wrong attempts: this code no longer works. Please ask for a new code."),
    "code_wrong": _l("The code is wrong. %(remaining)d attempt(s) left."),
    "channel_unverified": _l("This contact has not been verified, so no code can be sent to it."),
    "no_contact": _l("There is no mobile number or e-mail address to send the code to."),
    # activation
    "not_waiting_activation": _l("This account is not waiting for activation."),
    "not_your_institution": _l("This physician chose another institution; only that institution can activate the account."),
    "activation_missing": _l("No activation code has been issued yet. Please ask your institution to issue one."),
    "already_active": _l("The account is already active."),
    "not_verified": _l("Please verify your mobile number or e-mail address first."),
    # recovery
    "account_unknown": _l("No account matches. Check the login name, mobile number or e-mail address."),
    # the same refusals, worded for the institution's activation code
    "code_expired.activation": _l("The activation code has expired. Please ask your institution to issue a new one."),
    "code_used.activation": _l("This activation code was already used."),
    "code_locked.activation": _l(
        "Too many wrong attempts: this activation code no longer works. Please ask your institution for a new one."
    ),
    "code_wrong.activation": _l("The activation code is wrong. %(remaining)d attempt(s) left."),
    # empty fields
    "field_required": _l("Please fill in: %(label)s."),
    # web login
    "login_failed": _l("The login name or the password is wrong. Check both; after repeated failures the account is locked."),
    "login_locked": _l(
        "Too many wrong passwords: the account is locked until %(time)s (Beijing time). Try again then, or reset your password now."
    ),
    "login_locked_admin": _l(
        "Too many wrong passwords: the account is locked. Reset your password or ask your administrator to unlock it."
    ),
    "login_disabled": _l("This account is disabled. Please contact your institution or administrator."),
    # security settings and institution choice
    "password_same": _l("The new password must differ from the current one."),
    "contact_same": _l("This is already your contact; enter a new one."),
    "institution_same": _l("You have already chosen this institution."),
    "not_physician": _l("This login has no physician account."),
}

HTTP_STATUS = {
    "account_exists": 409,
    "username_taken": 409,
    "phone_taken": 409,
    "email_taken": 409,
    "code_cooldown": 429,
    "code_hourly_cap": 429,
    "not_your_institution": 403,
    "not_physician": 403,
}

register_messages(ACCOUNT_MESSAGES, HTTP_STATUS)
MESSAGES = REGISTRY  # the one registry, under the name the pages already use


class AccountError(CommandError):
    """A refused account command: ``code``, ``status``, ``params`` and the translated ``message``."""


__all__ = ["MESSAGES", "AccountError", "command"]
