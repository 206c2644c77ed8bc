"""Masking of ID numbers, phone numbers and e-mail addresses for display (SPEC §6).

Well-formed values get the customary shapes (``1101**********002X``, ``138****5678``,
``z***@example.com``). Anything else is masked generically and never shows more than half of its
characters, so a malformed or truncated value cannot leak more than a well-formed one.
"""

import re

MASK = "*"

_MOBILE = re.compile(r"1\d{10}", re.ASCII)


def _mask(value: str, head: int, tail: int) -> str:
    length = len(value)
    visible = length // 2
    if head + tail > visible:
        tail = min(tail, visible // 2)
        head = min(head, visible - tail)
    return value[:head] + MASK * (length - head - tail) + value[length - tail :]


def mask_id_number(value: str | None) -> str:
    """Show the first four and last four characters of an ID number."""
    if not value:
        return ""
    return _mask(value, 4, 4)


def mask_phone(value: str | None) -> str:
    """Show the first three and last four digits of a mobile number."""
    if not value:
        return ""
    if _MOBILE.fullmatch(value):
        # The customary 3+4 shape shows 7 of 11 digits; the 4 hidden ones are what matters.
        return value[:3] + MASK * 4 + value[7:]
    return _mask(value, 3, 4)


def mask_email(value: str | None) -> str:
    """Show the first character of the local part and the whole domain."""
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at:
        return _mask(value, 1, 0)
    # Three asterisks whatever the length, so the mask does not reveal the local part's size.
    shown = local[:1] if len(local) >= 2 else ""
    return f"{shown}{MASK * 3}@{domain}"
