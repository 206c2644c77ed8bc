"""Training certificates: a picture or a real PDF, checked by content, limits hold, storage is private."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image
from pypdf import PdfWriter
from werkzeug.datastructures import FileStorage

from app.documents.certificates import CERTIFICATE_KEY, certificate_path, read_certificate, store_certificate
from app.documents.errors import DocumentError
from app.documents.samples import sample_certificate_png

from .conftest import picture


def real_pdf(pages: int = 1, password: str | None = None) -> bytes:
    """Return a small real PDF of ``pages`` blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def ctx(app):
    with app.app_context(), app.test_request_context():
        yield app


def refused(upload) -> DocumentError:
    with pytest.raises(DocumentError) as error:
        store_certificate(upload)
    return error.value


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_a_pdf_is_kept_as_it_is_under_a_random_name(ctx):
    body = real_pdf()
    key = store_certificate(FileStorage(io.BytesIO(body), filename="培训合格证.pdf"))
    assert CERTIFICATE_KEY.fullmatch(key) and key.endswith(".pdf")
    path = certificate_path(key)
    assert path.is_file() and Path(ctx.config["UPLOAD_DIR"]) in path.parents and "static" not in path.parts
    assert read_certificate(key) == (body, "application/pdf")


def test_a_picture_is_re_encoded_as_jpeg_without_metadata(ctx):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    key = store_certificate(picture("JPEG", size=(1000, 700), exif=exif.tobytes()))
    body, mimetype = read_certificate(key)
    assert key.endswith(".jpg") and mimetype == "image/jpeg"
    with Image.open(io.BytesIO(body)) as stored:
        assert stored.format == "JPEG" and not stored.getexif()
    assert read_certificate(store_certificate(sample_certificate_png()))[1] == "image/jpeg"


@pytest.mark.parametrize("body", [b"hello, this is text", b"GIF89a" + b"\0" * 100, b"<html><script>", b"\x89PNG\r\n"])
def test_anything_else_is_refused_with_a_chinese_message(ctx, body):
    error = refused(body)
    assert error.code == "certificate_not_document" and error.status == 400
    with force_locale("zh"):
        assert "JPEG" in error.message and "PDF" in error.message and "证明" in error.message
    assert stored_files(ctx) == []


@pytest.mark.parametrize("body", [
    b"%PDF-1.7\nthis is not a pdf at all\n%%EOF",
    b"%PDF-1.4\n" + b"\0" * 2000,
    real_pdf()[:200],  # cut short
])
def test_a_file_that_only_starts_like_a_pdf_is_refused(ctx, body):
    error = refused(body)
    assert error.code == "certificate_not_pdf"
    with force_locale("zh"):
        assert "无法读取" in error.message
    assert stored_files(ctx) == []


def test_an_encrypted_or_long_pdf_is_refused(ctx):
    assert refused(real_pdf(password="secret")).code == "certificate_pdf_encrypted"
    error = refused(real_pdf(pages=11))
    assert error.code == "certificate_pdf_pages" and error.params == {"pages": 10}
    assert stored_files(ctx) == []


def test_size_and_pixel_limits_hold(ctx):
    error = refused(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024))
    assert error.code == "certificate_too_large" and error.status == 413 and error.params == {"max_mb": "5"}
    small = refused(picture("PNG", size=(300, 200)))
    assert small.code == "certificate_too_small" and small.params == {"width": 600, "height": 400}
    with force_locale("zh"):
        assert "过小" in small.message
    assert refused(None).code == "certificate_missing"
    assert stored_files(ctx) == []


def test_too_many_pixels_are_refused_before_decoding(make_app, tmp_path):
    app = make_app(UPLOAD_DIR=str(tmp_path / "uploads"), CERTIFICATE_MAX_PIXELS=1_000_000)
    with app.app_context():
        error = refused(picture("PNG", size=(1200, 1000)))
    assert error.code == "certificate_too_many_pixels" and error.params == {"max_mp": "1"}


def test_keys_that_are_not_ours_name_no_file(ctx):
    for key in ("../../config.py", "a" * 32 + ".exe", "A" * 32 + ".pdf", None, 5, "x.pdf"):
        assert certificate_path(key) is None and read_certificate(key) is None
