"""No 500 from ids, q= or login bodies: generated over every registered view and API (issue 6 item 7).

The routes come from the application's registry (appbuilder.baseviews and their URL rules), not from
a hand list, so a new screen or API is covered the day it is registered.
"""

from __future__ import annotations

import re

import pytest
from flask_appbuilder import ModelView
from flask_appbuilder.api import ModelRestApi

from tests.conftest import login

ROLES = ["admin", "reviewer", "reviewer_11", "inst_admin", "physician"]
BAD_IDS = ["99999999999999999999", "9223372036854775808", "2147483648", "abc", "-1", "1e5", "0x1", "1.0"]
BAD_QUERIES = [
    "((((", "(page:", "(page:99999999999999999999)", "(page:1e99)", "(page:-1)", "(page:!t)", "(page:'1')",
    "(page_size:-5)", "(page_size:0)", "(page_size:99999999999999999999)", "(page_size:1e99)", "(page_size:101)",
    "!(1,2)", "'text'", "(filters:(a:b))", "(filters:!(x))", "(order_column:zzz,order_direction:asc)",
    "(filters:!((col:nope,opr:eq,value:1)))", "{\"page\": 1e99}", "%",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _error_shape(response, statuses: set[int]) -> dict:
    body = response.get_json(silent=True)
    assert response.status_code in statuses, (response.request.url, response.status_code, body)
    assert isinstance(body, dict) and set(body) == {"code", "message", "params"}, body
    assert CJK.search(body["message"]), body["message"]
    return body


def _pk_routes(app) -> list[tuple[str, str]]:
    """Return (endpoint, rule) of every route with a record id, of every ModelView and ModelRestApi."""
    blueprints = {view.blueprint.name for view in app.appbuilder.baseviews
                  if isinstance(view, (ModelView, ModelRestApi)) and view.blueprint is not None}
    return sorted(
        (rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
        if "pk" in rule.arguments and rule.endpoint.split(".")[0] in blueprints and "GET" in rule.methods
    )


def _url(rule: str, pk: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?pk>", pk, re.sub(r"<(?:[^:<>]+:)?name>", "x", rule))


def test_the_generated_list_covers_screens_and_apis(app):
    endpoints = {endpoint for endpoint, _rule in _pk_routes(app)}
    assert {"PhysicianView.show", "PhysicianView.edit", "DepartmentView.edit", "DepartmentView.delete",
            "RegistryUserView.show", "RegistrationApi.get", "PhysicianApi.get"} <= endpoints
    assert len(endpoints) > 40


def test_impossible_ids_are_404_everywhere(app, client):
    assert login(client, "admin").status_code == 302
    for endpoint, rule in _pk_routes(app):
        for pk in BAD_IDS:
            response = client.get(_url(rule, pk))
            # 404; read-only screens refuse edit/delete (403) and actions need POST (405) first
            allowed = {404} if rule.startswith("/api/") or endpoint.endswith(".show") else {403, 404, 405}
            assert response.status_code in allowed, (endpoint, pk, response.status_code)
            if rule.startswith("/api/"):
                assert _error_shape(response, {404})["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES[1:])
def test_impossible_ids_never_500_for_any_role(app, client, role):
    assert login(client, role).status_code == 302
    for _endpoint, rule in _pk_routes(app):
        for pk in ("99999999999999999999", "abc"):
            assert client.get(_url(rule, pk)).status_code in (302, 401, 403, 404, 405)


def test_bulk_actions_with_impossible_row_ids_are_404(app, client):
    assert login(client, "admin").status_code == 302
    from tests.conftest import csrf_token

    token = csrf_token(client, "/users/list/")
    for url in ("/users/action_post", "/activationqueueview/action_post"):
        response = client.post(url, data={"action": "unlock", "rowid": ["1", "99999999999999999999"],
                                          "csrf_token": token})
        assert response.status_code == 404, (url, response.status_code)


def _model_apis(app) -> list[ModelRestApi]:
    return [view for view in app.appbuilder.baseviews if isinstance(view, ModelRestApi)]


def _jwt(client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": "Demo@12345", "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_malformed_q_is_400_on_every_model_api(app, client):
    headers = _jwt(client, "admin")
    apis = _model_apis(app)
    assert len(apis) >= 4
    for api in apis:
        for q in BAD_QUERIES:
            for url in (f"{api.route_base}/", f"{api.route_base}/1"):
                response = client.get(url, query_string={"q": q}, headers=headers)
                if url.endswith("/1") and response.status_code == 200:
                    continue  # get-by-id reads only columns/keys from q; the rest is ignored
                body = _error_shape(response, {400})
                assert body["code"] in {"invalid_query", "bad_request"}, (url, q, body)
    sane = client.get("/api/v1/registration/", query_string={"q": "(page:0,page_size:100)"}, headers=headers)
    assert sane.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_every_filter_with_impossible_values_never_500(app, client, role):
    """Every search column x operator of every model API, with huge and non-numeric values."""
    headers = _jwt(client, role)
    for api in _model_apis(app):
        for column, filters in api._filters.get_search_filters().items():
            for flt in filters:
                for value in ("99999999999999999999", 99999999999999999999, "abc", -1, 1e99, "", None):
                    rison = {"filters": [{"col": column, "opr": flt.arg_name, "value": value}]}
                    import json

                    response = client.get(f"{api.route_base}/", query_string={"q": json.dumps(rison)},
                                          headers=headers)
                    assert response.status_code in (200, 400, 403), (api.route_base, rison, response.status_code)
                    if response.status_code != 200:
                        _error_shape(response, {400, 403})


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"username": "admin", "password": "Demo@12345"}, ["provider"]),
        ({"username": "admin", "password": "Demo@12345", "provider": "ldap"}, ["provider"]),
        ({"username": "admin", "password": "Demo@12345", "provider": "db", "refresh": "maybe"}, ["refresh"]),
        ({"username": 1, "password": ["x"], "provider": "db"}, ["password", "username"]),
        ({"username": "", "password": "", "provider": "db"}, ["password", "username"]),
        ({"username": "a" * 10_000, "password": "x", "provider": "db"}, ["username"]),
        ({}, ["password", "provider", "username"]),
        ([1, 2], ["password", "provider", "username"]),
        ("not json", ["password", "provider", "username"]),
    ],
)
def test_malformed_login_bodies_are_400(client, body, fields):
    if isinstance(body, str):
        response = client.post("/api/v1/security/login", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/security/login", json=body)
    assert _error_shape(response, {400}) == {"code": "invalid_request", "message": response.get_json()["message"],
                                             "params": {"fields": fields}}
