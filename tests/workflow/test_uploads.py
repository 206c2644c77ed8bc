"""The wizard's uploads: the ID photo (required for a 首次注册) and the training certificate (2-year rule).

Web pages and the JSON API alike: bad files are refused with a Chinese message, the draft stays as
it was and nothing is stored; another physician's draft is not found; a replaced file is removed.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.documents.certificates import certificate_exists
from app.documents.photos import photo_exists
from app.documents.samples import sample_certificate_png, sample_photo_png
from app.extensions import db
from app.models import Application, Physician, Qualification
from tests.conftest import csrf_token
from tests.documents.test_certificates import real_pdf

from .test_api import refused, token

TRAINING = {"institution": "北京协和医院", "started_on": "2025-03-01", "ended_on": "2025-08-31",
            "assessed_on": "2025-09-15"}


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose uploads go to this test's own (empty) folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def png(size=(358, 441)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (230, 230, 240)).save(out, "PNG")
    return out.getvalue()


BAD_PHOTOS = {
    "not_an_image": (b"%PDF-1.4 not a photo", "photo_not_image", "JPEG"),
    "too_large": (b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "photo_too_large", "2 MB"),
    "too_small": (png((100, 140)), "photo_too_small", "295 × 413"),
    "too_many_pixels": (png((5000, 4000)), "photo_too_many_pixels", "16 百万像素"),
}


def draft_of(app, name: str = "黄磊") -> tuple[int, dict]:
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == name))
        application = db.session.scalar(select(Application).where(Application.physician_id == physician.id))
        return application.id, dict(application.data or {})


def stored(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def qualified_long_ago(app, name: str = "黄磊") -> None:
    """Make the physician's qualification old enough for the 2-year rule."""
    with app.app_context():
        qualification = db.session.scalar(select(Qualification).where(Qualification.name == name))
        qualification.published_on = qualification.issued_on = dt.date(2023, 9, 15)
        db.session.commit()


def post_file(client, url: str, body: bytes, name: str, headers=None, **form):
    """POST a multipart form with one file, encoded in memory (the test client spools big ones to a file it leaves open)."""
    boundary, data = encode_multipart({**form, "file": FileStorage(io.BytesIO(body), name)})
    return client.post(url, data=data, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_a_bad_photo_is_refused_on_the_page_and_nothing_changes(app, as_user, case):
    body, _code, shown = BAD_PHOTOS[case]
    client = as_user("huang_lei")
    draft_id, before = draft_of(app)
    url = f"/me/applications/{draft_id}/photo"
    response = post_file(client, url, body, "photo.jpg", csrf_token=csrf_token(client, url))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "请修正以下问题" in page and shown in page
    assert draft_of(app)[1] == before and stored(app) == []


def test_the_photo_step_shows_the_upload_and_replacing_it_removes_the_old_file(app, as_user):
    client = as_user("huang_lei")
    draft_id, _data = draft_of(app)
    url = f"/me/applications/{draft_id}/photo"
    token = csrf_token(client, url)
    assert post_file(client, url, sample_photo_png(0), "a.png", csrf_token=token).status_code == 302
    first = draft_of(app)[1]["photo"]
    page = client.get(url).get_data(as_text=True)
    assert f'src="/applications/{draft_id}/photo"' in page and "更换证件照" in page
    preview = client.get(f"/applications/{draft_id}/photo")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    assert post_file(client, url, sample_photo_png(1), "b.png", csrf_token=token).status_code == 302
    second = draft_of(app)[1]["photo"]
    with app.app_context():
        assert second != first and photo_exists(second) and not photo_exists(first)
    assert len(stored(app)) == 1
    # moving on without a new file keeps the photo
    assert client.post(url, data={"csrf_token": token}).status_code == 302 and draft_of(app)[1]["photo"] == second


def test_the_preview_is_for_those_of_the_application_only(app, as_user, client):
    draft_id, _data = draft_of(app)
    physician = as_user("huang_lei")
    url = f"/me/applications/{draft_id}/photo"
    post_file(physician, url, sample_photo_png(), "a.png", csrf_token=csrf_token(physician, url))
    for username, status in [("physician", 404), ("inst_admin_xuhui", 404), ("inst_admin", 200), ("reviewer_11", 200)]:
        client.get("/logout/")
        as_user(username)
        assert client.get(f"/applications/{draft_id}/photo").status_code == status, username


def test_the_training_step_takes_the_certificate_and_the_rule_needs_it(app, as_user):
    qualified_long_ago(app)
    client = as_user("huang_lei")
    draft_id, _data = draft_of(app)
    url = f"/me/applications/{draft_id}/training"
    token = csrf_token(client, url)
    form = {"csrf_token": token, "residency_training": "yes", **{f"training_{k}": v for k, v in TRAINING.items()}}
    page = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "training_certificate" not in page
    # a typed certificate number is no proof (the field is gone, and a posted value is ignored)
    typed = client.post(url, data={**form, "training_certificate": "GP2025-001"})
    assert typed.status_code == 200 and "上传" in typed.get_data(as_text=True)
    assert "certificate" not in (draft_of(app)[1].get("training") or {})
    # a file that only starts like a PDF is refused, nothing stored
    fake = post_file(client, url, b"%PDF-1.5\nnot really\n", "证书.pdf", **form)
    assert fake.status_code == 200 and "无法读取" in fake.get_data(as_text=True) and stored(app) == []
    # a real PDF passes the rule and is offered for download
    assert post_file(client, url, real_pdf(), "证书.pdf", **form).status_code == 302
    key = draft_of(app)[1]["training"]["certificate"]
    with app.app_context():
        assert certificate_exists(key) and key.endswith(".pdf")
    assert f"/applications/{draft_id}/training-certificate" in client.get(url).get_data(as_text=True)
    download = client.get(f"/applications/{draft_id}/training-certificate")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert "已上传合格证明" in client.get(f"/me/applications/{draft_id}/review").get_data(as_text=True)


def test_submitting_a_first_registration_needs_the_photo(app, as_user):
    client = as_user("huang_lei")
    draft_id, _data = draft_of(app)
    base = f"/me/applications/{draft_id}"
    token = csrf_token(client, f"{base}/location")
    for step, data in [("location", {"location_code": "110000"}), ("institution", {"institution_id": "1"}),
                       ("scopes", {"scope_codes": ["CLN01"]}), ("training", {"residency_training": "yes"})]:
        assert client.post(f"{base}/{step}", data={"csrf_token": token, **data}).status_code == 302
    review = client.post(f"{base}/review", data={"csrf_token": token}).get_data(as_text=True)
    assert "证件照" in review and "提交前" in review
    with app.app_context():
        assert db.session.get(Application, draft_id).status == "draft"


def test_the_pdf_shows_the_photo_uploaded_in_the_wizard(app, as_user):
    client = as_user("huang_lei")
    draft_id, _data = draft_of(app)
    base = f"/me/applications/{draft_id}"
    token = csrf_token(client, f"{base}/photo")
    post_file(client, f"{base}/photo", sample_photo_png(), "me.png", csrf_token=token)
    for step, data in [("location", {"location_code": "110000"}), ("institution", {"institution_id": "1"}),
                       ("scopes", {"scope_codes": ["CLN01"]}), ("training", {"residency_training": "yes"})]:
        client.post(f"{base}/{step}", data={"csrf_token": token, **data})
    assert client.post(f"{base}/review", data={"csrf_token": token}).status_code == 302
    pdf = PdfReader(io.BytesIO(client.get(f"/applications/{draft_id}/form.pdf").data))
    assert any(image.image.format == "JPEG" for image in pdf.pages[0].images)


# --- the JSON API ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", BAD_PHOTOS)
def test_a_bad_photo_is_refused_by_the_api_in_the_one_shape(app, client, case):
    body, code, _shown = BAD_PHOTOS[case]
    draft_id, before = draft_of(app)
    response = post_file(client, f"/api/v1/applications/{draft_id}/photo", body, "x.jpg",
                         headers=token(client, "huang_lei"))
    answer = refused(response, 413 if code == "photo_too_large" else 400, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"])
    assert draft_of(app)[1] == before and stored(app) == []


def test_the_api_uploads_the_photo_and_the_certificate(app, client):
    qualified_long_ago(app)
    headers = token(client, "huang_lei")
    draft_id, _data = draft_of(app)
    base = f"/api/v1/applications/{draft_id}"
    photo = client.post(f"{base}/photo", data={"file": (io.BytesIO(sample_photo_png()), "a.png")}, headers=headers,
                        content_type="multipart/form-data")
    assert photo.status_code == 200 and photo.get_json()["data"]["photo"].endswith(".jpg")
    refused(client.post(f"{base}/steps/training", json={"data": {"training": {**TRAINING, "certificate": "GP-1"}}},
                        headers=headers), 400, "training_incomplete")
    refused(client.post(f"{base}/training-certificate", data={"file": (io.BytesIO(b"%PDF-1.4 fake"), "c.pdf")},
                        headers=headers, content_type="multipart/form-data"), 400, "certificate_not_pdf")
    refused(client.post(f"{base}/training-certificate", data={}, headers=headers, content_type="multipart/form-data"),
            400, "invalid_request")
    certificate = client.post(f"{base}/training-certificate", headers=headers, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(sample_certificate_png()), "c.png")})
    key = certificate.get_json()["data"]["training"]["certificate"]
    # a step's answers cannot swap the files for typed values
    saved = client.post(f"{base}/steps/training", headers=headers, json={"data": {
        "photo": "f" * 32 + ".jpg", "training": {**TRAINING, "certificate": "GP-1"}}}).get_json()
    assert saved["data"]["training"]["certificate"] == key and saved["data"]["photo"] == photo.get_json()["data"]["photo"]
    assert len(stored(app)) == 2


def test_another_physicians_draft_is_not_found_and_nothing_is_stored(app, client):
    draft_id, before = draft_of(app)
    other = token(client, "physician")
    for route in ("photo", "training-certificate"):
        response = client.post(f"/api/v1/applications/{draft_id}/{route}", headers=other,
                               data={"file": (io.BytesIO(sample_photo_png()), "a.png")}, content_type="multipart/form-data")
        refused(response, 404, "application_not_found")
    refused(client.post("/api/v1/applications/999999/photo", headers=other,
                        data={"file": (io.BytesIO(sample_photo_png()), "a.png")}, content_type="multipart/form-data"),
            404, "application_not_found")
    assert draft_of(app)[1] == before and stored(app) == []


def test_a_submitted_application_takes_no_new_photo(app, client):
    with app.app_context():
        zhou = db.session.scalar(select(Physician).where(Physician.name == "周敏"))
        submitted = db.session.scalar(select(Application).where(Application.physician_id == zhou.id))
        submitted_id, before = submitted.id, dict(submitted.data)
    response = client.post(f"/api/v1/applications/{submitted_id}/photo", headers=token(client, "zhou_min"),
                           data={"file": (io.BytesIO(sample_photo_png()), "a.png")}, content_type="multipart/form-data")
    refused(response, 400, "not_editable")
    with app.app_context():
        assert db.session.get(Application, submitted_id).data == before
    assert stored(app) == []


def test_the_upload_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/_openapi").get_json()
    for route in ("photo", "training-certificate"):
        operation = spec["paths"][f"/api/v1/applications/{{application_id}}/{route}"]["post"]
        assert "multipart/form-data" in operation["requestBody"]["content"]
        assert {"200", "400", "404", "413"} <= set(operation["responses"])
