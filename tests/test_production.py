"""The production entry: gunicorn with several workers serves the app from DATABASE_URL."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(database_uri):
    """Start `gunicorn --workers 2 run:app` on this test's database; yield its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_uri, "SECRET_KEY": "production-check-" + "x" * 32}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--bind", f"127.0.0.1:{port}", "run:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/login/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("gunicorn exited: " + process.stderr.read().decode()[-2000:])
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()


def test_gunicorn_workers_serve_the_chinese_app_and_log_in(gunicorn):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    def get(url: str, data: bytes | None = None) -> str:
        with opener.open(gunicorn + url, data=data) as response:
            return response.read().decode()

    page = get("/login/")
    assert "登录" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "reviewer", "password": PASSWORD, "csrf_token": token}).encode()
    get("/login/", form)
    # Several requests, so both workers answer with the same session.
    for _ in range(4):
        listing = get("/physicianview/list/")
        assert "医师" in listing and "张明" in listing


def test_healthz_answers_ok_without_a_session_or_the_database(app):
    from sqlalchemy import event

    from app.extensions import db

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert statements == []
    assert app.test_client().get("/login/").status_code == 200 and statements  # the listener does see queries
