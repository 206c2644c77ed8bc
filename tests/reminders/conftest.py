"""Helpers for the reminder tests: run the job for a day, read what it wrote to the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Message, Physician, Reminder
from app.reminders.run import RunResult, run_reminders
from tests.workflow.conftest import ctx, li_fang  # noqa: F401  (fixtures shared with the workflow tests)

D = dt.date


def run(day: dt.date, batch: int = 1000) -> RunResult:
    """Run the reminders for ``day`` in this application context."""
    result = run_reminders(db.session, day, batch)
    db.session.expire_all()
    return result


def sent(template_prefix: str = "reminder_") -> list[Message]:
    """Return the reminder messages in the outbox, oldest first."""
    return list(db.session.scalars(
        select(Message).where(Message.template.startswith(template_prefix)).order_by(Message.id)))


def reminders(kind: str | None = None) -> list[Reminder]:
    """Return the reminder records, oldest first."""
    statement = select(Reminder).order_by(Reminder.id)
    if kind:
        statement = statement.where(Reminder.kind == kind)
    return list(db.session.scalars(statement))


def physician(name: str) -> Physician:
    """Return a demo physician by name."""
    return db.session.scalar(select(Physician).where(Physician.name == name))


def window_names(kind: str = "window_closing") -> dict[str, str]:
    """Map each reminded physician's name to the next step named in the record."""
    names = dict(db.session.execute(select(Physician.id, Physician.name)).all())
    return {names[r.recipient_id]: r.detail for r in reminders(kind)}


@pytest.fixture
def windows(ctx):  # noqa: F811
    """Set the 2026 windows' closing dates: ``windows(province_code=closes_on, ...)``."""
    from app.models import RegistrationWindow

    def _set(**closing: dt.date) -> None:
        for province, closes in closing.items():
            db.session.execute(update(RegistrationWindow).where(
                RegistrationWindow.province_code == province.lstrip("p"), RegistrationWindow.cohort_year == 2026,
            ).values(closes_on=closes))
        db.session.commit()

    return _set
