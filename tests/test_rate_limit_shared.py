"""Per-client-IP rate limits hold across several worker processes when the store is shared (issue 3).

Two application instances built on the same database stand for two gunicorn workers, each with its
own Flask-Limiter. With RATELIMIT_STORAGE_URI pointing at a real local redis-server (started here on
a free port) their counts add up; with ``memory://`` (the control) each worker allows its own quota.
"""

from __future__ import annotations

import shutil

import pytest
import redis

from app.demo import demo_id_number
from tests.conftest import csrf_token
from tests.servers import start_redis, stop_process

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (apt-get install redis-server; .ci/run installs it)",
)

LIMIT = "4 per minute"  # four requests per client address, whichever worker serves them
OTHER_ADDRESS = "10.0.0.9"
SUN_LI = {"name": "孙丽", "id_number": demo_id_number("110105", "19980214", "758")}  # no account yet


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A throw-away redis-server on 127.0.0.1 for this module; stopped afterwards."""
    process, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield port
    stop_process(process)


@pytest.fixture
def redis_url(redis_server):
    """The shared store's URL, emptied before each test."""
    client = redis.Redis(host="127.0.0.1", port=redis_server)
    client.flushall()
    client.close()
    return f"redis://127.0.0.1:{redis_server}"


@pytest.fixture
def workers(make_app):
    """Return a function building two apps ("workers") on this test's database with extra settings."""
    return lambda **overrides: [make_app(**overrides) for _ in range(2)]


# --- the limited endpoints: (config key, request, status of an allowed request) ----------------------


def _web_login(client, address: str | None = None):
    """POST a wrong password to /login/ with the CSRF token of this client's own login page."""
    token = csrf_token(client, "/login/")
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/login/", data={"username": "nobody", "password": "Wrong@12345", "csrf_token": token},
                       **extra)


def _api_identity(client, address: str | None = None):
    """POST the public identity check of the account API without a captcha (refused 400, still counted)."""
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/api/v1/account/identity", json=SUN_LI, **extra)


def _web_signup(client, address: str | None = None):
    """POST step 1 of the web sign-up with a wrong captcha (refused, nothing changes)."""
    token = csrf_token(client, "/signup/")
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    data = {"csrf_token": token, "name": SUN_LI["name"], "id_number": SUN_LI["id_number"],
            "captcha": "WRONG", "consent": "1"}
    return client.post("/signup/", data=data, **extra)


ENDPOINTS = [
    pytest.param("AUTH_RATE_LIMIT", _web_login, 302, id="web-login"),
    pytest.param("ACCOUNT_API_RATE_LIMIT", _api_identity, 400, id="api-identity"),
    pytest.param("SIGNUP_RATE_LIMIT", _web_signup, 200, id="web-signup"),
]


def _clients(apps):
    return [application.test_client() for application in apps]


@pytest.mark.parametrize(("setting", "send", "allowed"), ENDPOINTS)
def test_limit_is_shared_by_workers_through_redis(workers, redis_url, setting, send, allowed):
    first, second = _clients(workers(RATELIMIT_STORAGE_URI=redis_url, **{setting: LIMIT}))
    # Alternate between the workers: each sees at most three of the five requests.
    for client in [first, second, first, second]:
        response = send(client)
        assert response.status_code == allowed, response.get_data(as_text=True)[:300]
    limited = send(first)  # fifth overall, third on this worker
    assert limited.status_code == 429
    if setting == "ACCOUNT_API_RATE_LIMIT":
        assert limited.get_json()["code"] == "rate_limited"
    assert send(second).status_code == 429  # and the other worker agrees

    # The limit is keyed by client address: another address is still served, by both workers.
    assert send(first, OTHER_ADDRESS).status_code == allowed
    assert send(second, OTHER_ADDRESS).status_code == allowed
    assert send(first).status_code == 429

    # The counts really live in redis.
    store = redis.Redis.from_url(redis_url)
    try:
        keys = [key.decode() for key in store.keys("LIMITS:LIMITER/*")]
    finally:
        store.close()
    assert any("127.0.0.1" in key for key in keys), keys
    assert any(OTHER_ADDRESS in key for key in keys), keys


@pytest.mark.parametrize(("setting", "send", "allowed"), ENDPOINTS)
def test_memory_store_is_not_shared_by_workers(workers, setting, send, allowed):
    """Control: with memory:// each worker counts alone, so the shared store above is what makes it hold."""
    first, second = _clients(workers(RATELIMIT_STORAGE_URI="memory://", **{setting: LIMIT}))
    for client in [first, second] * 4:  # eight requests from one address, four per worker
        assert send(client).status_code == allowed
    assert send(first).status_code == 429
    assert send(second).status_code == 429
