"""Refusals of the document commands (photo upload), with their Chinese messages in the one registry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.commands import CommandError, register_messages

MESSAGES = {
    "photo_missing": _l("Choose a photo to upload."),
    "photo_not_image": _l("The photo must be a JPEG or PNG picture: the file is not one, or it is damaged."),
    "photo_too_large": _l("The photo file is too large: it may be at most %(max_mb)s MB."),
    "photo_too_many_pixels": _l(
        "The photo has too many pixels: at most %(max_mp)s million. Take a smaller picture or crop it."
    ),
    "photo_too_small": _l(
        "The photo is too small: it must be at least %(width)d × %(height)d pixels (a 1-inch ID photo)."
    ),
}

STATUSES = {"photo_too_large": 413}

register_messages(MESSAGES, STATUSES)


class DocumentError(CommandError):
    """A refused document command (an unacceptable photo upload)."""
