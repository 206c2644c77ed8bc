"""The seeded app serves each role its first screen."""

import pytest


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("reviewer", "/physicianview/list/"),
        ("reviewer_11", "/physicianview/list/"),
        ("inst_admin", "/myphysicianview/list/"),
        ("physician", "/me/"),
    ],
)
def test_each_role_lands_on_its_screen(as_user, username, landing):
    client = as_user(username)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(landing)
    assert client.get(landing).status_code == 200


def test_wrong_password_is_refused(client):
    from tests.conftest import login

    response = login(client, "reviewer", "wrong-password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
