"""The 申请审核表 PDF: Chinese text, the photo, an embedded subset font, and a QR code that checks out."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
import zxingcpp
from itsdangerous import URLSafeSerializer
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from app.documents.verification import make_token
from app.extensions import db
from app.models import Application
from tests.conftest import login

FULL_ID = re.compile(r"\d{17}[\dX]")


def download(client, username: str, filed) -> bytes:
    assert login(client, username).status_code == 302
    response = client.get(f"/applications/{filed.id}/form.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    return response.data


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def qr_urls(pdf: bytes) -> list[str]:
    """Decode every QR code found in the images embedded in the PDF."""
    urls = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            urls += [code.text for code in zxingcpp.read_barcodes(image.image) if code.format == zxingcpp.BarcodeFormat.QRCode]
    return urls


def test_the_physicians_form_has_the_chinese_fields_photo_font_and_a_working_qr(app, client, filed):
    pdf = download(client, "li_fang", filed)
    text = text_of(pdf)
    for expected in ("医师执业注册申请审核表", filed.number, "申请编号", "李芳", "女", "1995-06-21", "口腔专业",
                     "北京市", "北京朝阳示范医院", "住院医师", "首次注册", "情况属实，同意申请", "执业机构意见",
                     "是", "扫描二维码"):
        assert expected in text, expected
    assert filed.id_number in text  # the physician's own document: the ID number in full

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert len(reader.pages) == 1
    assert {image.image.format for image in page.images} >= {"JPEG"}  # the photo, as stored
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    names = {str(f["/BaseFont"]) for f in fonts}
    assert all(re.fullmatch(r"/[A-Z]{6}\+NotoSansSC-(400|700)-\d+", n) for n in names), names  # subsets only
    assert len(pdf) < 250_000
    assert not [n for n in pdfmetrics.getRegisteredFontNames() if n.startswith("NotoSansSC")]  # unregistered

    [url] = qr_urls(pdf)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "localhost") and parts.path.startswith("/verify/")
    client.get("/logout/")
    anonymous = app.test_client()
    page = anonymous.get(parts.path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in (filed.number, "首次注册", "待受理", "李*", "申请核验"):
        assert expected in body, expected
    assert "李芳" not in body and filed.id_number not in body and not FULL_ID.search(body)
    assert "北京朝阳示范医院" not in body and "口腔专业" not in body  # nothing more than the four items


def test_the_institutions_copy_masks_the_id_number(client, filed):
    text = text_of(download(client, "inst_admin", filed))
    assert filed.id_number not in text and not FULL_ID.search(text)
    assert filed.id_number[:4] + "*" * 10 + filed.id_number[-4:] in text
    assert "李芳" in text and "口腔专业" in text


def test_the_commissions_copy_shows_the_id_number(client, filed):
    assert filed.id_number in text_of(download(client, "reviewer_11", filed))


def test_the_qr_uses_the_configured_public_address(make_app, tmp_path, filed):
    app = make_app(UPLOAD_DIR=str(tmp_path / "uploads"), PUBLIC_BASE_URL="https://zhuce.example.cn/")
    client = app.test_client()
    [url] = qr_urls(download(client, "reviewer", filed))
    assert url.startswith("https://zhuce.example.cn/verify/")


def _signed(key: str, payload) -> str:
    return URLSafeSerializer(key, salt="application-form-verification").dumps(payload)


@pytest.mark.parametrize("tamper", ["flip", "other_key", "other_number", "no_such_application", "garbage"])
def test_a_tampered_token_is_not_found(app, client, filed, tamper):
    key = app.config["SECRET_KEY"]
    with app.test_request_context():
        genuine = make_token(db.session.get(Application, filed.id))
    token = {
        "flip": genuine[:-3] + ("A" if genuine[-3] != "A" else "B") + genuine[-2:],
        "other_key": _signed("another-secret-key-of-at-least-32-bytes", [filed.id, filed.number]),
        "other_number": _signed(key, [filed.id, "A202611300000099"]),
        "no_such_application": _signed(key, [999999, filed.number]),
        "garbage": "not-a-token",
    }[tamper]
    assert client.get(f"/verify/{genuine}").status_code == 200
    response = client.get(f"/verify/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="error-page"' in body and "页面不存在" in body  # our own error page, site layout
    assert filed.number not in body and "李*" not in body


def test_a_genuine_token_needs_no_login(app, client, filed):
    with app.test_request_context():
        token = make_token(db.session.get(Application, filed.id))
    response = client.get(f"/verify/{token}")
    assert response.status_code == 200 and "/login" not in response.headers.get("Location", "")
