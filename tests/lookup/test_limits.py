"""Enumeration is bounded: one quota per client address, shared by the page and the API (and by workers)."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from app.lookup.service import retry_time
from tests.lookup.conftest import ANSWER, api_lookup, web_lookup
from tests.test_rate_limit_shared import redis_server, redis_url  # noqa: F401 - fixtures

LIMIT = 3


@pytest.fixture
def limited(app, people):
    app.config["PUBLIC_LOOKUP_RATE_LIMIT"] = f"{LIMIT} per hour"
    return app


def _assert_refused_page(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'data-error="lookup_limited"' in body and "lookup-card" not in body
    assert re.search(r"请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）后再试", body)
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def _assert_refused_api(response) -> None:
    data = response.get_json()
    assert response.status_code == 429 and data["code"] == "lookup_limited"
    assert 0 < data["params"]["seconds"] <= 3600 and response.headers["Retry-After"] == str(data["params"]["seconds"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", data["params"]["time"])
    assert f"请于 {data['params']['time']}（北京时间）后再试" in data["message"]


def test_the_n_plus_first_lookup_is_refused_on_page_and_api_alike(limited, client):
    assert web_lookup(client).status_code == 200
    assert api_lookup(client).status_code == 200
    assert web_lookup(client, name="查无此人").status_code == 200  # a miss counts too (no free guesses)
    _assert_refused_page(web_lookup(client))
    _assert_refused_api(api_lookup(client))
    # another address has its own quota
    assert web_lookup(client, address="10.9.8.7").status_code == 200
    assert api_lookup(client, address="10.9.8.7").status_code == 200


def test_api_lookups_spend_the_page_quota(limited, client):
    for _ in range(LIMIT):
        assert api_lookup(client).status_code == 200
    _assert_refused_page(web_lookup(client))


def test_wrong_captchas_count_so_guessing_is_bounded_too(limited, client):
    for _ in range(LIMIT):
        assert api_lookup(client, answer="ZZZZ").get_json()["code"] == "captcha_wrong"
    _assert_refused_api(api_lookup(client))


def test_incomplete_or_unknown_terms_cost_nothing(limited, client):
    for _ in range(LIMIT + 2):
        assert web_lookup(client, name="").status_code == 400
        assert api_lookup(client, institution="不存在的医院").status_code == 400
    assert web_lookup(client).status_code == 200


def test_limits_can_be_combined_and_the_longest_wait_is_told(app, people, client):
    app.config["PUBLIC_LOOKUP_RATE_LIMIT"] = "5 per minute;2 per day"
    assert api_lookup(client).status_code == 200
    assert api_lookup(client).status_code == 200
    refused = api_lookup(client)
    assert refused.status_code == 429 and refused.get_json()["params"]["seconds"] > 3600


def test_retry_time_is_beijing_time_rounded_up_to_the_minute():
    now = dt.datetime(2026, 11, 29, 6, 0, 10, tzinfo=dt.UTC)
    assert retry_time(50, now) == "2026-11-29 14:01"
    assert retry_time(3600, now) == "2026-11-29 15:01"
    assert retry_time(50, now.replace(second=0)) == "2026-11-29 14:01"
    assert retry_time(60, now.replace(second=0)) == "2026-11-29 14:01"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_the_quota_is_shared_by_workers_through_redis(make_app, people, redis_url):  # noqa: F811
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "PUBLIC_LOOKUP_RATE_LIMIT": f"{LIMIT} per hour",
                "CAPTCHA_TEST_ANSWER": ANSWER}
    first, second = (make_app(**settings).test_client() for _ in range(2))
    assert web_lookup(first).status_code == 200
    assert api_lookup(second).status_code == 200
    assert web_lookup(second).status_code == 200
    _assert_refused_api(api_lookup(first))
    _assert_refused_page(web_lookup(second))
