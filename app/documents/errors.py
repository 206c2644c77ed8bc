"""Refusals of the document commands (photo and certificate uploads), with their Chinese messages in the one registry."""

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
    "certificate_missing": _l("Choose the file of your training certificate to upload."),
    "certificate_not_document": _l(
        "The training certificate must be a JPEG or PNG picture or a PDF file: the file is none of these, or it is damaged."
    ),
    "certificate_not_image": _l(
        "The training certificate must be a JPEG or PNG picture or a PDF file: the file is none of these, or it is damaged."
    ),
    "certificate_not_pdf": _l(
        "The file looks like a PDF but cannot be read: save or scan the certificate again as a PDF, or upload a picture."
    ),
    "certificate_pdf_encrypted": _l("The PDF is password-protected: upload a copy without a password."),
    "certificate_pdf_pages": _l("The PDF has too many pages: upload only the certificate (at most %(pages)d pages)."),
    "certificate_too_large": _l("The certificate file is too large: it may be at most %(max_mb)s MB."),
    "certificate_too_many_pixels": _l(
        "The picture of the certificate has too many pixels: at most %(max_mp)s million. Take a smaller picture."
    ),
    "certificate_too_small": _l(
        "The picture of the certificate is too small to read: it must be at least %(width)d × %(height)d pixels."
    ),
}

STATUSES = {"photo_too_large": 413, "certificate_too_large": 413}

register_messages(MESSAGES, STATUSES)


class DocumentError(CommandError):
    """A refused document command (an unacceptable photo or certificate upload)."""
