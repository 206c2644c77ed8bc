"""Fixtures: a migrated, initialised and seeded template database copied for every test.

SQLite (default): the template is a file copied per test. PostgreSQL (TEST_DATABASE_URL set):
the template is a database cloned per test with CREATE DATABASE ... TEMPLATE.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

import config
from app import create_app


def _psycopg2(url: str) -> str:
    """Pin a bare postgresql:// URL to psycopg2 (SQLAlchemy 2.1 defaults to psycopg 3, not installed)."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", url)


def _memoise_url_builders() -> None:
    """Compile each URL rule's builder once per test process instead of once per application.

    Every test builds its own application, and Werkzeug compiles two Python functions (through
    ``ast`` and ``compile``) for each of its ~380 routes: a third of ``create_app``'s time. The
    function takes the rule as its first argument and depends only on the rule's text, host,
    defaults and the kind of build, so applications can share it. Tests only; production builds
    one application per process.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def _shared(self, append_unknown: bool = True):
        defaults = tuple(sorted((key, repr(value)) for key, value in (self.defaults or {}).items()))
        key = (self.rule, self.subdomain, self.host, self.merge_slashes, tuple(self._trace), defaults,
               append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = _shared


_memoise_url_builders()

PG_URL = _psycopg2(os.environ.get("TEST_DATABASE_URL", ""))
PASSWORD = config.TestConfig.DEMO_PASSWORD


def _config_for(uri: str) -> type:
    return type("PerTestConfig", (config.TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri})


def build_database(uri: str, seed: bool = True) -> None:
    """Migrate an empty database to head, run `flask init` and (optionally) `flask seed-demo`."""
    app = create_app(_config_for(uri))
    runner = app.test_cli_runner()
    for args in [["db", "upgrade"], ["init"]] + ([["seed-demo"]] if seed else []):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def _pg_admin_url() -> str:
    return re.sub(r"/[^/]*$", "/postgres", PG_URL)


def _pg_url(name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", PG_URL)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Build the template database once per test session."""
    if PG_URL:
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        name = f"registry_tpl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        build_database(_pg_url(name))
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        build_database(f"sqlite:///{path}")
        yield path


@contextmanager
def pg_database(prefix: str, template: str | None = None):
    """Create a throw-away PostgreSQL database (optionally cloned from ``template``); yield its URL."""
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    clone = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clone}'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_uri(template_db, tmp_path):
    """A fresh copy of the seeded template for one test."""
    if PG_URL:
        with pg_database("registry_t", template=template_db) as url:
            yield url
    else:
        path = tmp_path / "test.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def make_app(database_uri):
    """Return a factory of applications on this test's database, with configuration overrides."""
    made = []

    def _make(**overrides):
        cfg = type("OverrideConfig", (_config_for(database_uri),), overrides)
        made.append(create_app(cfg))
        return made[-1]

    yield _make
    for application in made:
        with application.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """An application bound to this test's database."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client (CSRF on, as in production)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login/") -> str:
    """Fetch a page and return the CSRF token embedded in its form."""
    body = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', body
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log in through the real form (with its CSRF token) and return the response."""
    token = csrf_token(client)
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def as_user(client):
    """Return a function logging the client in as a demo account."""

    def _as(username: str):
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _as
