"""`flask notify dispatch`: once with a summary, and the long-running worker stopped by a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.enums import MessageStatus
from app.notify.cli import register_notify_cli, summary
from app.notify.dispatcher import DispatchResult
from tests.notify.conftest import enqueue_committed, message_row, sms_settings

ROOT = Path(__file__).resolve().parents[2]


def _with_notify_cli(app):
    if "notify" not in app.cli.commands:
        register_notify_cli(app)
    return app


def test_dispatch_once_sends_and_prints_a_summary(make_app, sms_gateway):
    sms_gateway.status = 500
    app = _with_notify_cli(make_app(**sms_settings(sms_gateway)))
    first = enqueue_committed(app, "sms", "13912345678", "signup_code", code="111222", minutes=5)
    second = enqueue_committed(app, "email", "doctor@example.cn", "signup_code", code="333444", minutes=5)

    result = app.test_cli_runner().invoke(args=["notify", "dispatch", "--batch", "10"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        expected = summary(DispatchResult(sent=1, retried=1, failed=0))
    assert result.output.strip() == expected
    assert message_row(app, first).status == MessageStatus.PENDING
    assert message_row(app, second).status == MessageStatus.SENT  # e-mail through the log backend


def test_batch_limits_one_run(make_app):
    app = _with_notify_cli(make_app())
    ids = [enqueue_committed(app, "sms", "13912345678", "signup_code", code="5", minutes=5) for _ in range(3)]

    result = app.test_cli_runner().invoke(args=["notify", "dispatch", "--batch", "2"])

    assert result.exit_code == 0, result.output
    assert [message_row(app, i).status for i in ids] == ["sent", "sent", "pending"]


def test_unknown_backend_is_a_usage_error(make_app):
    app = _with_notify_cli(make_app(NOTIFY_SMS_BACKEND="carrier-pigeon"))
    message_id = enqueue_committed(app, "sms", "13912345678", "signup_code", code="777888", minutes=5)

    result = app.test_cli_runner().invoke(args=["notify", "dispatch"])

    assert result.exit_code == 2 and "NOTIFY_SMS_BACKEND" in result.output
    assert message_row(app, message_id).attempts == 0


WORKER = """
import json, sys
import config
from app import create_app
from app.notify.cli import register_notify_cli
settings = json.loads(sys.argv[1])
app = create_app(type("C", (config.TestConfig,), settings))
if "notify" not in app.cli.commands:
    register_notify_cli(app)
result = app.test_cli_runner().invoke(args=["notify", "dispatch", "--loop", "--interval", "0.1"])
print(result.output, end="")
sys.exit(result.exit_code)
"""


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_loop_keeps_polling_until_a_signal_stops_it_cleanly(make_app, database_uri, sms_gateway, stop_signal):
    settings = {**sms_settings(sms_gateway), "SQLALCHEMY_DATABASE_URI": database_uri}
    app = make_app(**settings)
    first = enqueue_committed(app, "sms", "13912345678", "signup_code", code="909090", minutes=5)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(settings)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert sms_gateway.received.wait(timeout=120), "the worker never sent the first message"
        sms_gateway.received.clear()
        # Enqueued while the worker idles: it must still be polling.
        second = enqueue_committed(app, "sms", "13912345678", "signup_code", code="808080", minutes=5)
        assert sms_gateway.received.wait(timeout=60), "the worker stopped polling"
        worker.send_signal(stop_signal)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()

    assert worker.returncode == 0, err
    with app.app_context():
        expected = summary(DispatchResult(sent=2))
    assert out.strip().splitlines()[-1] == expected
    assert [r["json"]["id"] for r in sms_gateway.requests] == [first, second]
