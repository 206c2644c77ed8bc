"""Photo uploads: checked with Pillow, re-encoded to a clean JPEG, stored outside static.

The content decides, never the file name: only Pillow's JPEG and PNG decoders are tried, the
pixel count is checked from the header before any pixel is decoded (no decompression bombs),
and what is stored is a new JPEG drawn from the pixels alone, so EXIF (GPS position, camera,
time), ICC and comment blocks are gone. Files live under ``UPLOAD_DIR`` with a random name;
only the key (``<32 hex>.jpg``) is kept in the database, and the key is checked before any
path is built from it.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.documents.errors import DocumentError

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}\.jpg$")
MIB = 1024 * 1024


@dataclass(frozen=True)
class PhotoLimits:
    """What an uploaded photo must satisfy, and how large the stored copy may be."""

    max_bytes: int = 2 * MIB
    max_pixels: int = 16_000_000
    min_width: int = 295
    min_height: int = 413
    stored_max_side: int = 1200
    quality: int = 88

    @classmethod
    def from_config(cls, config: Any) -> PhotoLimits:
        """Read the limits from the application configuration."""
        return cls(
            max_bytes=config["PHOTO_MAX_BYTES"],
            max_pixels=config["PHOTO_MAX_PIXELS"],
            min_width=config["PHOTO_MIN_WIDTH"],
            min_height=config["PHOTO_MIN_HEIGHT"],
            stored_max_side=config["PHOTO_STORED_MAX_SIDE"],
        )


def read_limited(upload: bytes | IO[bytes] | None, max_bytes: int, what: str = "photo") -> bytes:
    """Return the upload's bytes, refusing it as soon as it exceeds ``max_bytes``.

    ``what`` names the upload in the refusal codes (``photo_missing``, ``certificate_too_large``…).
    """
    if upload is None:
        raise DocumentError(f"{what}_missing")
    raw = upload if isinstance(upload, bytes) else upload.read(max_bytes + 1)
    if not raw:
        raise DocumentError(f"{what}_missing")
    if len(raw) > max_bytes:
        raise DocumentError(f"{what}_too_large", max_mb=f"{max_bytes / MIB:g}")
    return raw


def _flatten(image: Image.Image) -> Image.Image:
    """Return an RGB copy without metadata; transparent parts become white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, "white")
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image.convert("RGB"))
    return clean


def normalise_photo(raw: bytes, limits: PhotoLimits, what: str = "photo") -> bytes:
    """Check an uploaded picture and return it re-encoded as a metadata-free JPEG.

    ``what`` names the upload in the refusal codes (a photo, or the picture of a certificate).
    """
    if len(raw) > limits.max_bytes:
        raise DocumentError(f"{what}_too_large", max_mb=f"{limits.max_bytes / MIB:g}")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns first: treat that as a refusal, never as a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=("JPEG", "PNG")) as image:
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise DocumentError(f"{what}_too_many_pixels", max_mp=f"{limits.max_pixels / 1e6:g}")
                image.load()
                upright = ImageOps.exif_transpose(image)  # honour the camera's rotation, then drop it
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise DocumentError(f"{what}_not_image") from error
    if upright.width < limits.min_width or upright.height < limits.min_height:
        raise DocumentError(f"{what}_too_small", width=limits.min_width, height=limits.min_height)
    clean = _flatten(upright)
    clean.thumbnail((limits.stored_max_side, limits.stored_max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=limits.quality, optimize=True)
    return out.getvalue()


def upload_dir(kind: str = "photos") -> Path:
    """Return the folder uploads of ``kind`` are stored in (created on first use, outside static)."""
    folder = Path(current_app.config["UPLOAD_DIR"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photo_path(key: str | None, root: Path | None = None) -> Path | None:
    """Return the file of a stored photo key, or None for anything that is not a key of ours.

    ``root`` is the upload folder (``UPLOAD_DIR``); without it, the application's.
    """
    if not key or not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        return None
    folder = upload_dir() if root is None else Path(root) / "photos"
    return folder / key[:2] / key


def write_upload(target: Path, body: bytes) -> None:
    """Write ``body`` to ``target`` through a temporary file, so a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_key(suffix: str) -> str:
    """Return a random file key (``<32 hex>.<suffix>``): nothing of the upload's name is kept."""
    return f"{secrets.token_hex(16)}.{suffix}"


def store_photo(upload: bytes | IO[bytes] | None, root: Path | None = None,
                limits: PhotoLimits | None = None) -> str:
    """Check, re-encode and store an uploaded photo; return its key (raises DocumentError).

    Without ``root`` and ``limits``, the application's upload folder and configured limits
    (``bench/generate.py`` passes both: it runs without an application).
    """
    limits = limits or PhotoLimits.from_config(current_app.config)
    jpeg = normalise_photo(read_limited(upload, limits.max_bytes), limits)
    key = new_key("jpg")
    write_upload(photo_path(key, root), jpeg)
    return key


def read_photo(key: str | None) -> bytes | None:
    """Return the JPEG bytes of a stored photo, or None when there is none."""
    path = photo_path(key)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def photo_exists(key: str | None) -> bool:
    """Tell whether ``key`` names a photo that is stored here."""
    path = photo_path(key)
    return path is not None and path.is_file()


def delete_photo(key: str | None) -> None:
    """Remove a stored photo (a replaced one); anything that is not a key of ours is ignored."""
    path = photo_path(key)
    if path is not None:
        path.unlink(missing_ok=True)
