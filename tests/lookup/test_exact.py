"""Exact matching only: partial names, wildcards and wrong terms find nothing; bad input is a 400, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Filing, Physician, PracticeRegistration, SecurityEvent
from tests.lookup.conftest import BEIJING, CHAOYANG, SHANGHAI, api_lookup, web_lookup

NAMES_FINDING_NOTHING = ["张", "明", "张%", "%", "%明", "_明", "张_", "__", "张*", "*", "张明%", "张 明", "張明", "张明明"]


@pytest.mark.parametrize("name", NAMES_FINDING_NOTHING)
def test_partial_names_and_wildcards_find_nothing(client, people, name):
    response = api_lookup(client, name=name)
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["code"] == "lookup_no_match" and "未查询到" in response.get_json()["message"]
    page = web_lookup(client, name=name)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="no-match"' in body and "lookup-card" not in body


@pytest.mark.parametrize("institution", ["北京朝阳", "朝阳示范医院", "北京朝阳示范医院%", "%", "北京朝阳示范医_",
                                         "北京朝阳示范医院 分院", "_"])
def test_partial_or_wildcard_institutions_are_refused(client, people, institution):
    response = api_lookup(client, institution=institution)
    assert response.status_code == 400
    assert response.get_json()["code"] == "lookup_institution_unknown"
    assert response.get_json()["params"] == {"field": "institution"}
    page = web_lookup(client, institution=institution)
    assert page.status_code == 400 and 'data-error="lookup_institution_unknown"' in page.get_data(as_text=True)


def test_the_institution_must_lie_in_the_chosen_province(client, people):
    response = api_lookup(client, province=SHANGHAI)
    assert response.status_code == 400 and response.get_json()["code"] == "lookup_institution_unknown"


def test_surrounding_spaces_are_forgiven(client, people):
    response = api_lookup(client, name=" 张明 ", institution=f" {CHAOYANG}\t")
    assert response.status_code == 200 and response.get_json()["count"] == 2


def _counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (Physician, PracticeRegistration, Filing, SecurityEvent))


BAD_BODIES = [
    None, [], "garbage", {}, {"province": 110000, "name": "张明", "institution": CHAOYANG},
    {"province": BEIJING, "name": ["张明"], "institution": CHAOYANG},
    {"province": BEIJING, "name": None, "institution": {"x": 1}},
    {"province": "", "name": "", "institution": "", "captcha_token": "", "captcha_answer": ""},
    {"province": "99", "name": "张明", "institution": CHAOYANG, "captcha_token": "x", "captcha_answer": "y"},
    {"province": "110100", "name": "张明", "institution": CHAOYANG, "captcha_token": "x", "captcha_answer": "y"},
    {"province": "１１００００", "name": "张明", "institution": CHAOYANG, "captcha_token": "x", "captcha_answer": "y"},
    {"province": BEIJING, "name": "张" * 65, "institution": CHAOYANG, "captcha_token": "x", "captcha_answer": "y"},
    {"province": BEIJING, "name": "张明", "institution": "院" * 500, "captcha_token": "x", "captcha_answer": "y"},
    {"province": BEIJING, "name": "张明", "institution": CHAOYANG, "captcha_token": "x", "captcha_answer": "y"},
    {"province": BEIJING, "name": "张明\x00", "institution": CHAOYANG, "captcha_token": 1, "captcha_answer": []},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_api_input_is_400_in_the_one_shape_and_changes_nothing(app, client, people, body):
    before = _counts(app)
    if body is None:
        response = client.post("/api/v1/public/lookup", data="not json", content_type="application/json")
    else:
        response = client.post("/api/v1/public/lookup", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    data = response.get_json()
    assert set(data) == {"code", "message", "params"} and any("\u4e00" <= ch <= "\u9fff" for ch in data["message"])
    assert _counts(app) == before


def test_missing_terms_are_each_named_in_chinese(client, people):
    data = client.post("/api/v1/public/lookup", json={
        "province": "", "name": " ", "institution": "", "captcha_token": "x", "captcha_answer": "y"}).get_json()
    assert data["code"] == "field_required" and data["params"]["fields"] == ["province", "name", "institution"]
    assert data["message"] == "请填写省份。请填写医师全名。请填写执业机构（全称）。"


BAD_FORMS = [
    {"province": "", "name": "", "institution": ""},
    {"province": "abc", "name": "张明", "institution": CHAOYANG},
    {"province": "110105", "name": "张明", "institution": CHAOYANG},
    {"province": BEIJING, "name": "张" * 300, "institution": CHAOYANG},
    {"province": BEIJING, "name": "张明", "institution": "院" * 3000},
]


@pytest.mark.parametrize("form", BAD_FORMS)
def test_bad_page_input_is_400_with_the_error_summary_and_kept_values(app, client, people, form):
    before = _counts(app)
    response = web_lookup(client, **form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-summary"' in body and "<title>错误：" in body.replace("\n", "")
    assert "lookup-card" not in body
    assert _counts(app) == before


def test_every_missing_field_is_listed_and_linked(client, people):
    body = web_lookup(client, province="", name="", institution="", captcha="").get_data(as_text=True)
    for field, label in [("province", "省份"), ("name", "医师全名"), ("institution", "执业机构（全称）"),
                         ("captcha", "图片验证码")]:
        assert f'<a href="#{field}">请填写{label}。</a>' in body, field


def test_the_captcha_is_required_on_the_page(client, people):
    no_answer = web_lookup(client, captcha=None)
    assert no_answer.status_code == 400 and 'href="#captcha"' in no_answer.get_data(as_text=True)
    wrong = web_lookup(client, captcha="ZZZZ")
    assert wrong.status_code == 400 and 'data-error="captcha_wrong"' in wrong.get_data(as_text=True)
    no_picture = web_lookup(client, picture=False)  # no challenge in the session
    assert no_picture.status_code == 400 and "lookup-card" not in no_picture.get_data(as_text=True)
    assert web_lookup(client, captcha="k7px").status_code == 200  # case-insensitive


def test_the_captcha_is_required_in_the_api_and_each_token_allows_one_guess(client, people):
    missing = client.post("/api/v1/public/lookup", json={"province": BEIJING, "name": "张明", "institution": CHAOYANG})
    assert missing.status_code == 400 and missing.get_json()["code"] == "invalid_request"
    assert set(missing.get_json()["params"]["fields"]) == {"captcha_token", "captcha_answer"}
    wrong = api_lookup(client, answer="ZZZZ")
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "captcha_wrong"
    token = client.post("/api/v1/public/captcha").get_json()["token"]
    body = {"province": BEIJING, "name": "张明", "institution": CHAOYANG, "captcha_token": token,
            "captcha_answer": "K7PX"}
    assert client.post("/api/v1/public/lookup", json=body).status_code == 200
    replay = client.post("/api/v1/public/lookup", json=body)
    assert replay.status_code == 400 and replay.get_json()["code"] == "captcha_wrong"


def test_a_lookup_runs_a_fixed_number_of_statements_however_many_match(app, client, people):
    from tests.test_query_counts import counted

    api_lookup(client)  # warm-up
    counts = []
    for name in ("张明", "周敏", "钱伟"):  # two matches, one, one with a filing (its scopes: one more)
        with counted(app) as statements:
            assert api_lookup(client, name=name).status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    assert counts[0] == counts[1] and counts[2] <= counts[0] + 1 <= 8, counts
