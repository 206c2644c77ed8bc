"""Where the lookup is found (home, menu, footer, the QR check page, the OpenAPI document) and how it reads."""

from __future__ import annotations

from sqlalchemy import select

from app.documents.verification import make_token
from app.extensions import db
from app.models import Application
from tests.lookup.conftest import BEIJING, CHAOYANG, HAIDIAN, web_lookup
from tests.test_i18n import english_leaks, visible_text
from tests.test_look import assert_in_layout


def test_the_page_is_public_chinese_and_in_the_shared_layout(client):
    response = client.get("/lookup/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_in_layout(body)
    assert "<title>医师执业注册信息查询" in body.replace("\n", "")
    for label in ("省份", "医师全名", "执业机构（全称）", "图片验证码", "查询"):
        assert label in visible_text(body), label
    assert english_leaks(body) == []
    assert 'novalidate' in body and '<option value="110000"' in body


def test_results_and_refusals_have_no_english_either(client, people):
    for response in (web_lookup(client), web_lookup(client, name="无此人"), web_lookup(client, name="")):
        assert english_leaks(response.get_data(as_text=True)) == []


def test_result_pages_are_not_cached(client, people):
    response = web_lookup(client)
    assert response.headers["Cache-Control"] == "no-store"


def test_linked_from_the_home_page_the_menu_and_the_footer(client):
    body = client.get("/").get_data(as_text=True)
    assert body.count('href="/lookup/"') >= 3  # the home section, the visitor's menu, the footer
    footer = client.get("/faq/").get_data(as_text=True).split('class="site-footer"', 1)[1]
    assert 'href="/lookup/"' in footer and "医师注册信息查询" in footer


def test_the_qr_check_page_links_to_the_lookup(app, client):
    with app.app_context():
        application = db.session.scalars(select(Application).order_by(Application.id)).first()
        token = make_token(application)
    body = client.get(f"/verify/{token}").get_data(as_text=True)
    assert 'href="/lookup/"' in body and "查询医师执业注册信息" in body


def test_institution_suggestions_stay_in_the_province_and_escape_wildcards(client):
    def names(province: str, q: str) -> list[str]:
        return client.get("/lookup/institutions", query_string={"province": province, "q": q}).get_json()

    assert names(BEIJING, "北京") == sorted([CHAOYANG, HAIDIAN])
    assert names("310000", "北京") == [] and names("310000", "上海") == ["上海徐汇示范医院"]
    assert names(BEIJING, "%") == [] and names(BEIJING, "_") == [] and names(BEIJING, "") == []
    assert names("99", "北京") == [] and names("", "北京") == []
    api = client.get("/api/v1/public/institutions", query_string={"province": BEIJING, "q": "朝阳"})
    assert api.status_code == 200 and api.get_json() == {"result": [CHAOYANG]}


def test_the_openapi_document_describes_the_lookup(client):
    spec = client.get("/api/v1/_openapi").get_json()
    operation = spec["paths"]["/api/v1/public/lookup"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/LookupRequest")
    assert {"200", "400", "404", "429", "500"} <= set(operation["responses"])
    assert "security" not in operation or not operation["security"]
    assert "/api/v1/public/captcha" in spec["paths"] and "/api/v1/public/institutions" in spec["paths"]
    out = spec["components"]["schemas"]["PublicRegistrationOut"]["properties"]
    assert not {"id_number", "phone", "email", "birth_date", "gender"} & set(out)
    assert any(tag["name"] == "Public lookup" for tag in spec["tags"])
