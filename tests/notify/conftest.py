"""Fixtures for the outbox: apps with notification settings, a real SMTP server, an SMS gateway."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import config
from tests import servers

GATEWAY_TOKEN = "test-gateway-token"


def notify_config(database_uri: str, **settings) -> type:
    """Return a TestConfig subclass bound to ``database_uri`` with notification ``settings``."""
    return type("NotifyTestConfig", (config.TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_uri, **settings})


@pytest.fixture
def make_app(make_app, tmp_path):
    """Build apps as the root fixture does, with the log backend writing under tmp_path."""

    def _make(**settings):
        settings.setdefault("NOTIFY_LOG_FILE", str(tmp_path / "outbox" / "outbox.log"))
        return make_app(**settings)

    return _make


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; yields (port, list of received envelopes)."""
    with servers.smtp_server() as server:
        yield server


class _GatewayHandler(BaseHTTPRequestHandler):
    """A generic SMS gateway: checks the bearer token, records the JSON, answers ``server.status``."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        server = self.server
        authorised = self.headers.get("Authorization") == f"Bearer {GATEWAY_TOKEN}"
        with server.lock:
            server.requests.append({
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "authorised": authorised,
                "json": json.loads(raw.decode("utf-8")),
            })
        status = server.status if authorised else 401
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": %s}' % (b"true" if status == 200 else b"false"))
        server.received.set()

    def log_message(self, format: str, *args) -> None:  # keep the test output quiet
        return


@pytest.fixture
def sms_gateway():
    """A real HTTP server thread acting as the SMS gateway (set ``.status`` to make it fail)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatewayHandler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.requests = []
    server.status = 200
    server.received = threading.Event()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sms_settings(gateway) -> dict:
    """Return the settings pointing the SMS channel at ``gateway``."""
    return {"NOTIFY_SMS_BACKEND": "http", "SMS_GATEWAY_URL": gateway.url, "SMS_GATEWAY_TOKEN": GATEWAY_TOKEN}


def enqueue_committed(app, channel: str, recipient: str, template: str, **params) -> int:
    """Enqueue one message through the outbox API, commit, and return its id."""
    from app.extensions import db
    from app.notify.outbox import enqueue

    with app.app_context():
        message = enqueue(channel, recipient, template, **params)
        db.session.commit()
        return message.id


def message_row(app, message_id: int):
    """Return a fresh copy of a Message row."""
    from app.extensions import db
    from app.models import Message

    with app.app_context():
        row = db.session.get(Message, message_id, populate_existing=True)
        db.session.expunge(row)
        return row
