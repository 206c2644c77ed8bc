"""The lease pattern shared by the notification outbox and the job table.

A worker owns a row by a conditional UPDATE that sets ``locked_until`` (and counts the attempt):
it took the row only if the UPDATE changed exactly one row, which is atomic on SQLite and
PostgreSQL alike, so no two workers ever hold the same row. A worker that dies leaves a lease
that expires, and the row is picked up again. Outcomes are written under the same condition
("only while I still hold the lease"), so a late worker never overwrites a newer one's result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from app.extensions import db


def backoff(attempts: int, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Return the wait after the ``attempts``-th failed attempt: ``base`` doubling, capped at ``cap``."""
    return min(base * 2 ** max(attempts - 1, 0), cap)


def free(model: Any, now: dt.datetime) -> ColumnElement[bool]:
    """Return the condition "nobody holds a live lease on the row"."""
    return or_(model.locked_until.is_(None), model.locked_until < now)


def due(model: Any, pending: str, now: dt.datetime) -> ColumnElement[bool]:
    """Return the condition "pending, due and not leased"."""
    return and_(model.status == pending, model.next_attempt_at <= now, free(model, now))


def due_ids(model: Any, pending: str, now: dt.datetime, batch: int) -> list[int]:
    """Return the ids of up to ``batch`` rows that are due and not leased, oldest due first."""
    ids = db.session.scalars(
        select(model.id).where(due(model, pending, now)).order_by(model.next_attempt_at, model.id).limit(batch)
    ).all()
    db.session.commit()  # end the read transaction before claiming
    return list(ids)


def conditional_update(model: Any, row_id: int, condition: ColumnElement[bool], values: dict[str, Any],
                       *, commit: bool = True) -> bool:
    """UPDATE one row only if ``condition`` holds; return whether it did (commit unless told not to)."""
    result = db.session.execute(
        update(model).where(model.id == row_id, condition).values(**values)
        .execution_options(synchronize_session=False)
    )
    if commit:
        db.session.commit()
    return result.rowcount == 1


def claim(model: Any, row_id: int, pending: str, now: dt.datetime, lease_until: dt.datetime,
          **values: Any) -> bool:
    """Take the lease on one due row and count the attempt; False if another worker has it."""
    # Due is re-checked so a stale id list never retries early a row another worker rescheduled.
    return conditional_update(model, row_id, due(model, pending, now),
                              {"locked_until": lease_until, "attempts": model.attempts + 1, **values})
