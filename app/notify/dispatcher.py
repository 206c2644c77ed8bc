"""Deliver due outbox messages: claim each row with a lease, send it, record the outcome.

Several dispatchers (threads, processes, hosts) may run at once: a message is sent only by the
worker whose conditional UPDATE took its lease (rowcount 1), which is atomic on SQLite and
PostgreSQL alike. A worker that dies mid-send leaves a lease that expires, and the message is
picked up again. Logs name message ids only, never bodies (they hold codes).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from app import lease
from app.domain.enums import MessageStatus
from app.extensions import db
from app.models import Message
from app.models._base import utcnow
from app.notify.backends import Backend, DeliveryError, Envelope, build_backends

log = logging.getLogger(__name__)

BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
DEFAULT_LEASE_SECONDS = 300
PENDING = MessageStatus.PENDING.value


@dataclass
class DispatchResult:
    """Counts of one dispatch run."""

    sent: int = 0
    failed: int = 0
    retried: int = 0

    @property
    def total(self) -> int:
        """Return how many messages this run attempted."""
        return self.sent + self.failed + self.retried

    def __add__(self, other: DispatchResult) -> DispatchResult:
        """Return the sum of two results."""
        return DispatchResult(self.sent + other.sent, self.failed + other.failed, self.retried + other.retried)


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait after the ``attempts``-th failed attempt: 30 s doubling, capped at one hour."""
    return lease.backoff(attempts, BASE_DELAY, MAX_DELAY)


def lease_duration(config: Mapping) -> dt.timedelta:
    """Return how long a claim holds a message (must exceed a backend's timeout)."""
    return dt.timedelta(seconds=int(config.get("NOTIFY_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)))


def due_ids(now: dt.datetime, batch: int) -> list[int]:
    """Return the ids of up to ``batch`` pending messages that are due and not leased."""
    return lease.due_ids(Message, PENDING, now, batch)


def claim(message_id: int, now: dt.datetime, lease_until: dt.datetime) -> bool:
    """Take the lease on one due message and count the attempt; False if someone else has it."""
    return lease.claim(Message, message_id, PENDING, now, lease_until)


def _envelope(message_id: int) -> tuple[Envelope, int]:
    """Read what the backend needs, detached from the session, and the attempt count."""
    row = db.session.execute(
        select(Message.channel, Message.recipient, Message.subject, Message.body, Message.attempts)
        .where(Message.id == message_id)
    ).one()
    db.session.commit()
    return Envelope(message_id, row.channel, row.recipient, row.subject, row.body), row.attempts


def _record_success(message_id: int, when: dt.datetime) -> None:
    """Mark a message sent and release its lease."""
    db.session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=MessageStatus.SENT.value, sent_at=when, locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_failure(message_id: int, lease_until: dt.datetime, attempts: int, error: str,
                    when: dt.datetime, max_attempts: int) -> str:
    """Schedule a retry with back-off, or give up after ``max_attempts``; return the outcome."""
    if attempts >= max_attempts:
        outcome = "failed"
        values: dict = {"status": MessageStatus.FAILED.value}
    else:
        outcome = "retried"
        values = {"next_attempt_at": when + backoff(attempts)}
    # Only while we still hold the lease: never overwrite a newer worker's outcome.
    held = (Message.status == PENDING) & (Message.locked_until == lease_until)
    lease.conditional_update(Message, message_id, held, {"locked_until": None, "last_error": error[:200], **values})
    return outcome


def deliver(message_id: int, backends: Mapping[str, Backend], lease_until: dt.datetime,
            clock: Callable[[], dt.datetime], max_attempts: int) -> str:
    """Send one claimed message and record the result; return "sent", "retried" or "failed"."""
    envelope, attempts = _envelope(message_id)
    try:
        backends[envelope.channel].send(envelope)
    except DeliveryError as exc:
        error = str(exc) or type(exc).__name__
    except Exception as exc:  # a backend bug must not stop the batch; its text may quote the body
        error = f"unexpected {type(exc).__name__}"
    else:
        _record_success(message_id, clock())
        log.info("outbox message %s sent (%s, attempt %s)", message_id, envelope.channel, attempts)
        return "sent"
    outcome = _record_failure(message_id, lease_until, attempts, error, clock(), max_attempts)
    log.warning("outbox message %s %s (%s, attempt %s): %s", message_id, outcome, envelope.channel,
                attempts, error)
    return outcome


def dispatch_once(batch: int = 50, now: dt.datetime | None = None, *,
                  backends: Mapping[str, Backend] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> DispatchResult:
    """Deliver up to ``batch`` due messages, committing after each one."""
    config = current_app.config
    backends = backends if backends is not None else build_backends(config)
    max_attempts = int(config.get("NOTIFY_MAX_ATTEMPTS", 6))
    lease = lease_duration(config)

    def clock() -> dt.datetime:
        return now if now is not None else utcnow()

    result = DispatchResult()
    for message_id in due_ids(clock(), batch):
        if should_stop is not None and should_stop():
            break
        claimed_at = clock()
        lease_until = claimed_at + lease
        if not claim(message_id, claimed_at, lease_until):
            continue  # another worker has it, or already finished it
        outcome = deliver(message_id, backends, lease_until, clock, max_attempts)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def run_loop(batch: int, interval: float, stop: threading.Event,
             backends: Mapping[str, Backend] | None = None) -> DispatchResult:
    """Dispatch until ``stop`` is set, waiting ``interval`` seconds whenever nothing was due."""
    backends = backends if backends is not None else build_backends(current_app.config)
    total = DispatchResult()
    while not stop.is_set():
        try:
            result = dispatch_once(batch, backends=backends, should_stop=stop.is_set)
        except SQLAlchemyError as exc:  # e.g. the database restarting: keep the worker alive
            db.session.rollback()
            log.error("outbox dispatch failed (%s); retrying in %s s", type(exc).__name__, interval)
            result = DispatchResult()
        total = total + result
        if result.total == 0:
            stop.wait(interval)
    return total
