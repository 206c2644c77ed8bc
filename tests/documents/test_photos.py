"""Photo uploads: the content decides (not the name), limits hold, metadata is gone, storage is private."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.documents.errors import DocumentError
from app.documents.photos import KEY_PATTERN, photo_path, read_photo, store_photo

from .conftest import picture


@pytest.fixture
def ctx(app):
    with app.app_context(), app.test_request_context():
        yield app


def refused(upload) -> DocumentError:
    with pytest.raises(DocumentError) as error:
        store_photo(upload)
    return error.value


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_a_jpeg_is_stored_outside_static_under_a_random_name(ctx):
    key = store_photo(FileStorage(io.BytesIO(picture()), filename="我的照片.jpg"))
    assert KEY_PATTERN.fullmatch(key) and "照片" not in key
    path = photo_path(key)
    assert path.is_file() and Path(ctx.config["UPLOAD_DIR"]) in path.parents
    assert Path(ctx.static_folder) not in path.parents and "static" not in path.parts
    with Image.open(io.BytesIO(read_photo(key))) as stored:
        assert stored.format == "JPEG" and stored.size == (358, 441)
    assert store_photo(picture()) != key  # every upload gets a name of its own


def test_a_png_named_jpg_is_accepted_and_re_encoded(ctx):
    key = store_photo(FileStorage(io.BytesIO(picture("PNG")), filename="photo.jpg", content_type="image/jpeg"))
    with Image.open(io.BytesIO(read_photo(key))) as stored:
        assert stored.format == "JPEG"


def test_transparent_png_gets_a_white_background(ctx):
    key = store_photo(picture("PNG", color=(0, 0, 255, 0)))
    with Image.open(io.BytesIO(read_photo(key))) as stored:
        assert all(channel > 240 for channel in stored.getpixel((10, 10)))


def test_exif_is_stripped_and_the_rotation_applied(ctx):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {2: (39.0, 54.0, 0.0), 4: (116.0, 23.0, 0.0)}  # GPS position
    raw = picture(size=(441, 358), exif=exif.tobytes(), comment=b"secret comment")
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif()[0x010F] == "SpyCam Inc."
    stored_bytes = read_photo(store_photo(raw))
    with Image.open(io.BytesIO(stored_bytes)) as stored:
        assert not stored.getexif() and "exif" not in stored.info and "comment" not in stored.info
        assert "icc_profile" not in stored.info
        assert stored.size == (358, 441)  # upright, as the camera meant it
    assert b"SpyCam" not in stored_bytes and b"secret comment" not in stored_bytes and b"Exif" not in stored_bytes


@pytest.mark.parametrize("upload", [
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    b"<html><script>alert(1)</script></html>",
    "GIF",
    "truncated",
])
def test_anything_but_a_whole_jpeg_or_png_is_refused(ctx, upload):
    if upload == "GIF":
        upload = picture("GIF")
    elif upload == "truncated":
        upload = picture()[:600]
    error = refused(FileStorage(io.BytesIO(upload), filename="photo.jpg"))
    assert error.code == "photo_not_image" and error.status == 400
    assert not stored_files(ctx)


def test_an_empty_upload_is_refused(ctx):
    assert refused(None).code == "photo_missing"
    assert refused(FileStorage(io.BytesIO(b""), filename="a.jpg")).code == "photo_missing"


def test_a_file_over_the_byte_limit_is_refused_before_decoding(ctx):
    raw = picture() + b"\0" * (ctx.config["PHOTO_MAX_BYTES"])
    error = refused(FileStorage(io.BytesIO(raw), filename="big.jpg"))
    assert error.code == "photo_too_large" and error.status == 413 and error.params == {"max_mb": "2"}
    with force_locale("zh"):
        assert error.message == "照片文件过大，不能超过 2 MB。"


def test_too_many_pixels_is_refused_without_decoding_them(ctx):
    raw = picture("PNG", size=(5000, 4000), color=(255, 255, 255))
    assert len(raw) < ctx.config["PHOTO_MAX_BYTES"]  # small file, 20 million pixels
    assert refused(raw).code == "photo_too_many_pixels"


def test_a_photo_below_the_id_photo_size_is_refused(ctx):
    error = refused(picture(size=(200, 280)))
    assert error.code == "photo_too_small" and error.params == {"width": 295, "height": 413}
    with force_locale("zh"):
        assert "295" in error.message and "一寸" in error.message


def test_large_photos_are_scaled_down_when_stored(ctx):
    key = store_photo(picture(size=(2400, 3200)))
    with Image.open(io.BytesIO(read_photo(key))) as stored:
        assert max(stored.size) == ctx.config["PHOTO_STORED_MAX_SIDE"]


@pytest.mark.parametrize("key", ["../../config.py", "/etc/passwd", "abc.jpg", "A" * 32 + ".jpg", None, ""])
def test_only_our_own_keys_lead_to_a_file(ctx, key):
    assert photo_path(key) is None and read_photo(key) is None
