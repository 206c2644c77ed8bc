"""The seeded app serves each role its first screen."""

import pytest


@pytest.mark.parametrize(
    ("username", "landing", "queue"),
    [
        ("reviewer", "/", "/applicationview/list/"),
        ("reviewer_11", "/", "/applicationview/list/"),
        ("inst_admin", "/", "/activationqueueview/list/"),
        ("physician", "/me/", None),
    ],
)
def test_each_role_lands_on_its_screen(as_user, username, landing, queue):
    """Staff land on their start page (counts linking to their queues, issue 6 item 14); physicians on /me/."""
    client = as_user(username)
    response = client.get("/")
    if landing == "/":
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "待办事项" in body and f'href="{queue}' in body
        assert client.get(queue).status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"].endswith(landing)
        assert client.get(landing).status_code == 200


def test_wrong_password_is_refused(client):
    from tests.conftest import login

    response = login(client, "reviewer", "wrong-password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
