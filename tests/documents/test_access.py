"""Only the physician, the institution and the reviewers of an application get its photo and form."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import login

ALLOWED = ["li_fang", "inst_admin", "reviewer_11", "reviewer", "admin"]
DENIED = ["physician", "inst_admin_sh", "reviewer_31"]  # another physician, institution, province


@pytest.mark.parametrize("username", ALLOWED)
def test_those_of_the_application_get_the_photo(client, filed, username):
    assert login(client, username).status_code == 302
    response = client.get(f"/applications/{filed.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(response.data)) as photo:
        assert photo.format == "JPEG"


@pytest.mark.parametrize("username", ALLOWED)
def test_those_of_the_application_get_the_training_certificate_as_a_download(client, filed, username):
    assert login(client, username).status_code == 302
    response = client.get(f"/applications/{filed.id}/training-certificate")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert filed.number in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"] and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    with Image.open(io.BytesIO(response.data)) as certificate:
        assert certificate.format == "JPEG"


@pytest.mark.parametrize("username", DENIED)
@pytest.mark.parametrize("document", ["photo", "form.pdf", "training-certificate"])
def test_anybody_else_gets_not_found(client, filed, username, document):
    assert login(client, username).status_code == 302
    response = client.get(f"/applications/{filed.id}/{document}")
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "李芳" not in response.get_data(as_text=True)


@pytest.mark.parametrize("document", ["photo", "form.pdf", "training-certificate"])
def test_anonymous_is_sent_to_login(client, filed, document):
    response = client.get(f"/applications/{filed.id}/{document}")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/applications/999999/photo", "/applications/999999/form.pdf",
                                 "/applications/999999/training-certificate", "/applications/2147483648/training-certificate",
                                 "/applications/-1/photo", "/applications/abc/form.pdf"])
def test_unknown_ids_are_not_found(client, filed, url):
    assert login(client, "reviewer").status_code == 302
    assert client.get(url).status_code == 404


def test_the_photo_is_not_reachable_as_a_static_file(app, client, filed):
    assert login(client, "li_fang").status_code == 302
    for url in (f"/static/{filed.photo_key}", f"/static/uploads/photos/{filed.photo_key}",
                f"/static/appbuilder/{filed.photo_key}", f"/static/{filed.certificate_key}",
                f"/static/uploads/certificates/{filed.certificate_key}"):
        assert client.get(url).status_code == 404
