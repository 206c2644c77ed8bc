"""Mobile numbers and e-mail addresses used for verification codes and password recovery."""

import re

from app.domain.errors import RuleViolation

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_SEPARATORS = re.compile(r"[\s\-]")
# RFC 5322 dot-atom for the local part; quoted local parts are legal but never seen in practice.
_LOCAL_PART = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", re.ASCII)


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise RuleViolation("mobile_invalid")."""
    number = _SEPARATORS.sub("", value or "").removeprefix("+86")
    if not _MOBILE.fullmatch(number):
        raise RuleViolation("mobile_invalid")
    return number


def validate_email(value: str) -> str:
    """Return the address with a lower-cased domain or raise RuleViolation("email_invalid")."""
    address = (value or "").strip()
    local, at, domain = address.rpartition("@")
    domain = domain.lower()
    if (
        not at
        or len(address) > MAX_EMAIL_LENGTH
        or len(local) > MAX_LOCAL_PART_LENGTH
        or not _LOCAL_PART.fullmatch(local)
        or not _valid_domain(domain)
    ):
        raise RuleViolation("email_invalid")
    return f"{local}@{domain}"


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    return all(_LABEL.fullmatch(label) for label in labels) and bool(
        _TOP_LEVEL.fullmatch(labels[-1])
    )
