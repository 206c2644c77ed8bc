"""Place command refusals beside their form fields (DESIGN rule 10: every error at once, by its field)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.accounts.errors import AccountError

# refusal code -> the id of the input it is about (None: about the whole form)
FIELD_OF = {
    "name_required": "name", "id_length": "id_number", "id_region": "id_number",
    "id_birth_date": "id_number", "id_checksum": "id_number", "no_qualification": "id_number",
    "account_exists": "id_number", "consent_required": "consent", "captcha_wrong": "captcha",
    "mobile_invalid": "phone", "phone_taken": "phone", "email_invalid": "email", "email_taken": "email",
    "username_invalid": "username", "username_taken": "username", "username_is_id": "username",
    "password_weak": "password", "password_mismatch": "password2", "password_same": "password",
    "password_wrong": "old", "institution_required": "institution_id", "institution_military": "institution_id",
    "institution_same": "institution_id", "code_wrong": "code", "code_expired": "code", "code_used": "code",
    "code_locked": "code", "code_missing": "code", "account_unknown": "login",
}
PASSWORD_FIELDS = {"password", "password2"}


def placed(error: AccountError, field: str | None = None) -> AccountError:
    """Attach the input a refusal belongs to (given, or looked up by its code)."""
    error.field = field or FIELD_OF.get(error.code)
    return error


def missing(values: Mapping[str, str], labels: Mapping[str, str]) -> list[AccountError]:
    """Return one 「请填写」 refusal per empty required field, in the order of ``labels``."""
    return [
        placed(AccountError("field_required", label=str(label)), field)
        for field, label in labels.items() if not str(values.get(field) or "").strip()
    ]


def fields_in(errors: Iterable[AccountError]) -> set[str]:
    """Return the inputs that have an error."""
    return {error.field for error in errors if error.field}


def kept_passwords(form: Mapping[str, str], errors: Iterable[AccountError]) -> dict[str, str]:
    """Return the typed passwords to show again, unless a password itself was refused."""
    if fields_in(errors) & PASSWORD_FIELDS:
        return {}
    return {name: form.get(name, "") for name in PASSWORD_FIELDS}
