"""Several dispatchers never send a message twice; a crashed worker's lease expires."""

from __future__ import annotations

import collections
import datetime as dt
import multiprocessing

from app.domain.enums import MessageStatus
from app.models._base import utcnow
from app.notify.dispatcher import claim, dispatch_once, lease_duration
from tests.notify.conftest import enqueue_committed, message_row, notify_config, sms_settings

PHONE = "13700000000"


def _log_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_a_second_connection_cannot_claim_a_claimed_row(make_app, tmp_path):
    first, second = make_app(), make_app()  # two apps: two engines, two connections
    message_id = enqueue_committed(first, "sms", PHONE, "signup_code", code="101010", minutes=5)
    now = utcnow() + dt.timedelta(seconds=1)
    lease_until = now + dt.timedelta(minutes=5)

    with first.app_context():
        assert claim(message_id, now, lease_until) is True
    with second.app_context():
        assert claim(message_id, now, lease_until) is False
        assert dispatch_once(now=now).total == 0  # the other worker's lease is respected

    row = message_row(first, message_id)
    assert row.attempts == 1 and row.locked_until == lease_until
    assert _log_lines(tmp_path / "outbox" / "outbox.log") == []


def test_claim_refuses_sent_and_not_yet_due_messages(make_app):
    app = make_app()
    message_id = enqueue_committed(app, "sms", PHONE, "signup_code", code="202020", minutes=5)
    now = utcnow() + dt.timedelta(seconds=1)
    with app.app_context():
        assert claim(message_id, now - dt.timedelta(hours=1), now) is False  # not due then
        assert dispatch_once(now=now).sent == 1
        assert claim(message_id, now + dt.timedelta(hours=1), now + dt.timedelta(hours=2)) is False
    assert message_row(app, message_id).attempts == 1


def test_expired_lease_of_a_crashed_worker_is_picked_up_again(make_app, tmp_path):
    crashed, survivor = make_app(), make_app()
    message_id = enqueue_committed(crashed, "sms", PHONE, "signup_code", code="303030", minutes=5)
    t0 = utcnow() + dt.timedelta(seconds=1)
    with crashed.app_context():
        lease = lease_duration(crashed.config)
        assert claim(message_id, t0, t0 + lease)  # ... and the worker dies before sending

    with survivor.app_context():
        assert dispatch_once(now=t0 + lease - dt.timedelta(seconds=1)).total == 0  # still leased
        assert dispatch_once(now=t0 + lease + dt.timedelta(seconds=1)).sent == 1

    row = message_row(survivor, message_id)
    assert row.status == MessageStatus.SENT and row.attempts == 2 and row.locked_until is None
    lines = _log_lines(tmp_path / "outbox" / "outbox.log")
    assert len(lines) == 1 and lines[0].split("\t")[2] == str(message_id)


def _worker(database_uri: str, settings: dict, start, results) -> None:
    """Run in a separate OS process: build an app on the shared database and dispatch until idle."""
    from app import create_app

    app = create_app(notify_config(database_uri, **settings))
    sent = 0
    with app.app_context():
        start.wait(timeout=120)
        while True:
            result = dispatch_once(batch=4)
            sent += result.sent
            assert result.failed == result.retried == 0
            if result.total == 0:
                break
        from app.extensions import db

        db.engine.dispose()
    results.put(sent)


def test_two_processes_send_every_message_exactly_once(make_app, database_uri, sms_gateway):
    settings = sms_settings(sms_gateway)
    app = make_app(**settings)
    ids = [enqueue_committed(app, "sms", f"1390000{n:04d}", "signup_code", code=f"{n:06d}", minutes=5)
           for n in range(40)]

    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(database_uri, settings, start, results)) for _ in range(2)]
    for process in workers:
        process.start()
    try:
        start.set()
        sent_per_worker = [results.get(timeout=180) for _ in workers]
        for process in workers:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        for process in workers:
            if process.is_alive():
                process.kill()
                process.join()

    received = collections.Counter(r["json"]["id"] for r in sms_gateway.requests)
    assert sorted(received) == sorted(ids)
    assert set(received.values()) == {1}  # nobody got a message twice
    assert sum(sent_per_worker) == 40
    for message_id in ids:
        row = message_row(app, message_id)
        assert row.status == MessageStatus.SENT and row.attempts == 1
