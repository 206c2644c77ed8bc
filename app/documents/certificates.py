"""Uploaded training certificates (the 2-year rule's proof): a picture or a real PDF, outside static.

A picture goes through the photo checks (Pillow's JPEG and PNG decoders only, pixel count from the
header, re-encoded without metadata) with a certificate's limits. A PDF must start with the PDF
signature and be read by pypdf: not encrypted, at least one page, not more than the page limit.
What is kept is the key (``<32 hex>.jpg`` or ``<32 hex>.pdf``); the file name is never used.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import IO

from flask import current_app

from app.documents.errors import DocumentError
from app.documents.photos import (
    PhotoLimits,
    new_key,
    normalise_photo,
    read_limited,
    upload_dir,
    write_upload,
)

CERTIFICATE_KEY = re.compile(r"^[0-9a-f]{32}\.(jpg|pdf)$")
PDF_SIGNATURE = b"%PDF-"
MIMETYPES = {"jpg": "image/jpeg", "pdf": "application/pdf"}


def certificate_limits(config) -> PhotoLimits:
    """Return the limits of a certificate's picture (larger than an ID photo: it must be legible)."""
    return PhotoLimits(
        max_bytes=config["CERTIFICATE_MAX_BYTES"],
        max_pixels=config["CERTIFICATE_MAX_PIXELS"],
        min_width=config["CERTIFICATE_MIN_WIDTH"],
        min_height=config["CERTIFICATE_MIN_HEIGHT"],
        stored_max_side=config["CERTIFICATE_STORED_MAX_SIDE"],
    )


def check_pdf(raw: bytes, max_pages: int) -> None:
    """Refuse anything that is not a readable, unencrypted PDF of 1 to ``max_pages`` pages."""
    if not raw.startswith(PDF_SIGNATURE):
        raise DocumentError("certificate_not_document")
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged file is refused below, not logged as a warning
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise DocumentError("certificate_pdf_encrypted")
        pages = len(reader.pages)
        for page in reader.pages[:max_pages]:
            page.mediabox  # noqa: B018 - every page must have a readable page box
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many kinds on a damaged or forged file
        raise DocumentError("certificate_not_pdf") from error
    finally:
        pypdf_log.setLevel(level)
    if pages < 1:
        raise DocumentError("certificate_not_pdf")
    if pages > max_pages:
        raise DocumentError("certificate_pdf_pages", pages=max_pages)


def certificate_path(key: str | None) -> Path | None:
    """Return the file of a stored certificate key, or None for anything that is not a key of ours."""
    if not key or not isinstance(key, str) or not CERTIFICATE_KEY.fullmatch(key):
        return None
    return upload_dir("certificates") / key[:2] / key


def store_certificate(upload: bytes | IO[bytes] | None) -> str:
    """Check and store an uploaded training certificate; return its key (raises DocumentError)."""
    config = current_app.config
    limits = certificate_limits(config)
    raw = read_limited(upload, limits.max_bytes, "certificate")
    if raw.startswith(PDF_SIGNATURE):
        check_pdf(raw, config["CERTIFICATE_MAX_PAGES"])
        key, body = new_key("pdf"), raw
    else:
        try:
            body = normalise_photo(raw, limits, "certificate")
        except DocumentError as error:
            if error.code == "certificate_not_image":
                raise DocumentError("certificate_not_document") from None
            raise
        key = new_key("jpg")
    write_upload(certificate_path(key), body)
    return key


def certificate_exists(key: str | None) -> bool:
    """Tell whether ``key`` names a certificate that is stored here."""
    path = certificate_path(key)
    return path is not None and path.is_file()


def read_certificate(key: str | None) -> tuple[bytes, str] | None:
    """Return the bytes and the MIME type of a stored certificate, or None when there is none."""
    path = certificate_path(key)
    if path is None or not path.is_file():
        return None
    return path.read_bytes(), MIMETYPES[path.suffix.lstrip(".")]


def delete_certificate(key: str | None) -> None:
    """Remove a stored certificate (a replaced one); anything that is not a key of ours is ignored."""
    path = certificate_path(key)
    if path is not None:
        path.unlink(missing_ok=True)

