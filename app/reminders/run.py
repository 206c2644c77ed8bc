"""One run of the reminders: windows closing, confirmations waiting, reviewers' digests (safe to repeat)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.models.reminder import ReminderKind
from app.reminders.physicians import open_windows, remind_window
from app.reminders.staff import remind_institutions, remind_reviewers
from app.reminders.store import Tally
from app.workflow.calendar import load_calendar

DEFAULT_BATCH = 1000
# what `flask reminders run` sends (an institution's one-click request is recorded, not scheduled)
SCHEDULED = (ReminderKind.WINDOW_CLOSING, ReminderKind.CONFIRMATION_WAITING, ReminderKind.REVIEW_DIGEST)


@dataclass
class RunResult:
    """What a run did, per kind of reminder."""

    today: dt.date
    tallies: dict[str, Tally] = field(default_factory=lambda: {kind.value: Tally() for kind in SCHEDULED})

    @property
    def skipped(self) -> list[tuple[object, int]]:
        """Return every part of the run left out because the working-day calendar lacks a year."""
        return [reason for tally in self.tallies.values() for reason in tally.skipped]


def run_reminders(session: Session, today: dt.date, batch: int = DEFAULT_BATCH) -> RunResult:
    """Write every reminder due on ``today`` that has not been written yet; return the counts."""
    result = RunResult(today)
    windows = open_windows(session, today)
    # Every look-up stays within a few weeks of today (see working_days_left)
    calendar = load_calendar(session, today - dt.timedelta(days=60), today + dt.timedelta(days=120))
    for window in windows:
        remind_window(session, window, calendar, today, batch, result.tallies[ReminderKind.WINDOW_CLOSING])
    remind_institutions(session, calendar, today, batch, result.tallies[ReminderKind.CONFIRMATION_WAITING])
    remind_reviewers(session, calendar, today, batch, result.tallies[ReminderKind.REVIEW_DIGEST])
    return result
