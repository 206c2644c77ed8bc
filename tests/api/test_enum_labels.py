"""The model APIs send every stored enumeration with its Chinese label beside it."""

from tests.conftest import PASSWORD


def _token(client, username):
    body = client.post("/api/v1/security/login", json={"username": username, "password": PASSWORD, "provider": "db"})
    return {"Authorization": f"Bearer {body.get_json()['access_token']}"}


def test_list_and_item_carry_chinese_labels(client):
    headers = _token(client, "reviewer")
    rows = client.get("/api/v1/physician/", headers=headers).get_json()["result"]
    active = next(row for row in rows if row["status"] == "active")
    assert active["status_label"] == "已激活"
    assert {row["gender_label"] for row in rows} <= {"男", "女", ""}
    registration = client.get("/api/v1/registration/", headers=headers).get_json()["result"][0]
    one = client.get(f"/api/v1/registration/{registration['id']}", headers=headers).get_json()["result"]
    assert one["status_label"] == "有效" and one["level_label"] in ("执业医师", "执业助理医师")
