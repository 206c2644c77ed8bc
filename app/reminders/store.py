"""Write reminders once: the record and its outbox messages in one transaction, or nothing.

Each batch inserts its records with ``INSERT … ON CONFLICT DO NOTHING RETURNING``: only the
rows this process really inserted come back, and only those get messages. A second run, or a
second machine running at the same moment, finds the unique key taken (PostgreSQL makes the
second insert wait for the first transaction, SQLite serialises the writers) and sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.commands import unit_of_work
from app.models import Reminder
from app.models._base import utcnow
from app.notify.outbox import enqueue


@dataclass(frozen=True)
class Outgoing:
    """One message of a reminder: where it goes and what it says."""

    channel: str
    address: str
    template: str
    params: dict


@dataclass(frozen=True)
class Candidate:
    """A recipient due a reminder, with the messages it should get (none: no way to reach it)."""

    recipient_id: int
    messages: Sequence[Outgoing]
    detail: str | None = None


@dataclass
class Tally:
    """What one kind of reminder did in a run."""

    sent: int = 0  # reminders recorded (and their messages written) by this run
    messages: int = 0
    already: int = 0  # due, but recorded meanwhile by another process
    unreachable: int = 0  # due, but with no contact to write to
    skipped: list[tuple[object, int]] = field(default_factory=list)  # (what, calendar year missing)


def _insert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Reminder)


def record_batch(session: Session, kind: str, recipient_type: str, key: str,
                 candidates: Sequence[Candidate], tally: Tally) -> None:
    """Record the reminders of one batch and write their messages, in one transaction."""
    reachable = sorted((c for c in candidates if c.messages), key=lambda c: c.recipient_id)
    tally.unreachable += len(candidates) - len(reachable)
    if not reachable:
        return
    now = utcnow()
    rows = [
        {"kind": kind, "recipient_type": recipient_type, "recipient_id": c.recipient_id, "key": key,
         "detail": c.detail, "messages": len(c.messages), "created_at": now}
        for c in reachable
    ]
    with unit_of_work(session):
        statement = _insert(session).values(rows).on_conflict_do_nothing().returning(Reminder.recipient_id)
        won = set(session.execute(statement).scalars())
        for candidate in reachable:
            if candidate.recipient_id not in won:
                continue
            for message in candidate.messages:
                enqueue(message.channel, message.address, message.template, **message.params)
            tally.messages += len(candidate.messages)
    tally.sent += len(won)
    tally.already += len(reachable) - len(won)
