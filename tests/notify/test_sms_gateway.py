"""SMS through a real local HTTP gateway: JSON + bearer token, retries with back-off, giving up."""

from __future__ import annotations

import datetime as dt

from app.domain.enums import MessageStatus
from app.models._base import utcnow
from app.notify.dispatcher import backoff, dispatch_once
from tests.notify.conftest import enqueue_committed, message_row, sms_settings

PHONE = "13912345678"


def test_gateway_receives_json_with_bearer_token(make_app, sms_gateway):
    app = make_app(**sms_settings(sms_gateway))
    message_id = enqueue_committed(app, "sms", PHONE, "signup_code", code="314159", minutes=5)
    body = message_row(app, message_id).body

    with app.app_context():
        result = dispatch_once()

    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    assert sms_gateway.requests == [{
        "path": "/send",
        "content_type": "application/json; charset=utf-8",
        "authorised": True,
        "json": {"phone": PHONE, "text": body, "id": message_id},
    }]
    assert "314159" in body
    row = message_row(app, message_id)
    assert row.status == MessageStatus.SENT and row.attempts == 1 and row.last_error is None


def test_wrong_token_is_refused_by_the_gateway_and_retried(make_app, sms_gateway):
    app = make_app(**{**sms_settings(sms_gateway), "SMS_GATEWAY_TOKEN": "wrong"})
    message_id = enqueue_committed(app, "sms", PHONE, "signup_code", code="271828", minutes=5)

    with app.app_context():
        result = dispatch_once()

    assert result.retried == 1 and result.sent == 0
    assert [r["authorised"] for r in sms_gateway.requests] == [False]
    row = message_row(app, message_id)
    assert row.status == MessageStatus.PENDING and row.last_error == "SMS gateway HTTP 401"


def test_backoff_doubles_from_30_seconds_and_is_capped_at_one_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_server_error_is_retried_with_backoff_then_failed(make_app, sms_gateway):
    sms_gateway.status = 500
    app = make_app(**sms_settings(sms_gateway), NOTIFY_MAX_ATTEMPTS=3)
    message_id = enqueue_committed(app, "sms", PHONE, "signup_code", code="161803", minutes=5)
    t0 = utcnow() + dt.timedelta(seconds=1)

    with app.app_context():
        first = dispatch_once(now=t0)
    row = message_row(app, message_id)
    assert (first.retried, first.sent, first.failed) == (1, 0, 0)
    assert row.status == MessageStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at == t0 + dt.timedelta(seconds=30)
    assert row.locked_until is None
    assert row.last_error == "SMS gateway HTTP 500" and "161803" not in row.last_error

    with app.app_context():  # not due yet: nothing is sent
        early = dispatch_once(now=t0 + dt.timedelta(seconds=29))
    assert early.total == 0 and len(sms_gateway.requests) == 1

    t1 = t0 + dt.timedelta(seconds=30)
    with app.app_context():
        second = dispatch_once(now=t1)
    row = message_row(app, message_id)
    assert second.retried == 1 and row.attempts == 2
    assert row.next_attempt_at == t1 + dt.timedelta(seconds=60)

    with app.app_context():
        third = dispatch_once(now=t1 + dt.timedelta(seconds=60))
    row = message_row(app, message_id)
    assert (third.failed, third.retried) == (1, 0)
    assert row.status == MessageStatus.FAILED and row.attempts == 3 and row.locked_until is None

    with app.app_context():  # a failed message is never picked up again
        later = dispatch_once(now=t1 + dt.timedelta(days=1))
    assert later.total == 0 and len(sms_gateway.requests) == 3


def test_gateway_recovering_delivers_on_the_retry(make_app, sms_gateway):
    sms_gateway.status = 503
    app = make_app(**sms_settings(sms_gateway))
    message_id = enqueue_committed(app, "sms", PHONE, "signup_code", code="141421", minutes=5)
    t0 = utcnow() + dt.timedelta(seconds=1)
    with app.app_context():
        assert dispatch_once(now=t0).retried == 1
    sms_gateway.status = 200
    with app.app_context():
        assert dispatch_once(now=t0 + dt.timedelta(seconds=30)).sent == 1
    row = message_row(app, message_id)
    assert row.status == MessageStatus.SENT and row.attempts == 2 and row.last_error is None
    assert [r["json"]["id"] for r in sms_gateway.requests] == [message_id, message_id]
