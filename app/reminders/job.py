"""The reminders as a background job: one job per Beijing day, run by whichever worker claims it.

`flask jobs work --loop` enqueues the day's job (keyed ``reminders:<day>``, so any number of
workers enqueue one) once ``REMINDERS_AT`` has passed in Beijing; `flask reminders run` runs the
same code by hand or from cron. A re-run after a crash, or a second worker running the same day,
writes nothing twice: each reminder's record is inserted once (app/reminders/store.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from typing import Any

from flask import current_app

from app.domain.clock import to_beijing
from app.extensions import db
from app.jobs import enqueue, handler, scheduler
from app.models import Job
from app.models._base import utcnow
from app.reminders.run import DEFAULT_BATCH, run_reminders

KIND = "reminders.run"
log = logging.getLogger(__name__)


def job_key(day: dt.date) -> str:
    """Return the key of the reminders job of ``day``: one job per day, however many enqueue it."""
    return f"reminders:{day.isoformat()}"


@handler(KIND)
def run_reminders_job(ctx, params: dict[str, Any]) -> dict[str, Any]:
    """Write the reminders due on ``params["day"]``; return the counts per kind and what was skipped."""
    day = dt.date.fromisoformat(params["day"])
    result = run_reminders(db.session, day, int(params.get("batch", DEFAULT_BATCH)))
    for what, year in result.skipped:
        log.warning("reminders of %s: %s skipped, the working-day calendar of %s is missing", day, what, year)
    return {"day": day.isoformat(), "tallies": {kind: {k: v for k, v in asdict(tally).items() if k != "skipped"}
                                                for kind, tally in result.tallies.items()},
            "skipped": [[str(what), year] for what, year in result.skipped]}


_refused_settings: set[str] = set()


def scheduled_time() -> dt.time | None:
    """Return REMINDERS_AT as a time of day; None when off or malformed (said once in the log)."""
    setting = current_app.config.get("REMINDERS_AT", "09:00")
    if not setting:
        return None  # scheduling switched off: run `flask reminders run` from cron instead
    try:
        return dt.time.fromisoformat(setting)
    except ValueError:
        if setting not in _refused_settings:
            _refused_settings.add(setting)
            log.error("REMINDERS_AT=%r is not a time such as 09:00; the daily reminders are not scheduled", setting)
        return None


def due_day(now: dt.datetime | None = None) -> dt.date | None:
    """Return the Beijing day whose reminders are due at ``now`` (naive UTC; after REMINDERS_AT), or None."""
    at = scheduled_time()
    if at is None:
        return None
    local = to_beijing(now or utcnow())
    return local.date() if local.time() >= at else None


@scheduler
def schedule(now: dt.datetime | None = None) -> Job | None:
    """Enqueue today's reminders job once it is due; return it (None when not due yet)."""
    day = due_day(now)
    if day is None:
        return None
    return enqueue(KIND, {"day": day.isoformat()}, key=job_key(day))
