"""Refusals of the public lookup: their codes and Chinese texts in the one message registry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.commands import CommandError, register_messages

LOOKUP_MESSAGES = {
    "lookup_province_unknown": _l("Please choose a province from the list."),
    "lookup_name_invalid": _l("Please enter the physician's full name as on the certificate (at most 64 characters)."),
    "lookup_institution_unknown": _l(
        "No institution of this exact name lies in the chosen province. Enter the full name of the institution, "
        "or pick it from the suggestions shown while you type."
    ),
    "lookup_limited": _l(
        "The number of lookups from your network is used up for now. Please try again after %(time)s (Beijing time)."
    ),
    "lookup_no_match": _l(
        "No practice registration matches. Check that the province is right, that the name is the full name as on "
        "the certificate, and that the institution is the full name of the institution where the physician practises."
    ),
}

register_messages(LOOKUP_MESSAGES, {"lookup_limited": 429, "lookup_no_match": 404})


class LookupRefusal(CommandError):
    """A refused public lookup: ``code``, ``status``, ``params`` and the translated ``message``."""
