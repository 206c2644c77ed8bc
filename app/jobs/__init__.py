"""Background jobs: one registry of handlers, enqueued as rows of the job table.

A handler is ``handler(ctx: JobContext, params: dict) -> dict`` (the job's result). It must be
idempotent: it may run again after a crash. It records its checkpoint with ``ctx.save`` in the
same transaction as the work the checkpoint describes, so a re-run resumes exactly there.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Job

if TYPE_CHECKING:
    from app.jobs.runner import JobContext

Handler = Callable[["JobContext", dict[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}
# Called by every worker's loop each round with the current UTC time: they enqueue the periodic
# jobs that are due (keyed, so many workers enqueue one), e.g. the day's reminders.
SCHEDULERS: list[Callable[[dt.datetime | None], object]] = []
# The modules whose import registers handlers: the one list of job kinds.
HANDLER_MODULES: tuple[str, ...] = ("app.imports.job", "app.exports.job", "app.reminders.job")


class JobFailed(Exception):
    """A failure that retrying cannot cure (e.g. an unreadable file): the job fails at once.

    Its text is shown to the user, so it must already be translated.
    """


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of jobs of ``kind`` (one handler per kind)."""
    def register(func: Handler) -> Handler:
        if HANDLERS.get(kind, func) is not func:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        HANDLERS[kind] = func
        return func
    return register


def scheduler(func: Callable[[dt.datetime | None], object]) -> Callable[[dt.datetime | None], object]:
    """Register ``func(now)`` to be called by the workers' loops to enqueue a periodic job when due."""
    if func not in SCHEDULERS:
        SCHEDULERS.append(func)
    return func


def enqueue_scheduled(now: dt.datetime | None = None) -> None:
    """Enqueue the periodic jobs that are due at ``now`` (each scheduler decides; keys keep one per period)."""
    load_handlers()
    for func in SCHEDULERS:
        func(now)


def load_handlers() -> None:
    """Import the modules that register handlers (listed in HANDLER_MODULES)."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def enqueue(kind: str, params: dict[str, Any], *, key: str | None = None, created_by: int | None = None,
            region_code: str | None = None, max_attempts: int = 5) -> Job:
    """Add a job and commit; with ``key``, return the existing job of that key instead of a second one."""
    load_handlers()
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    if key is not None:
        existing = db.session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    job = Job(kind=kind, params=params, key=key, created_by=created_by, region_code=region_code,
              max_attempts=max_attempts)
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:  # the same key enqueued at the same moment elsewhere: that job wins
        db.session.rollback()
        existing = db.session.scalar(select(Job).where(Job.key == key))
        if existing is None:
            raise
        return existing
    from app.jobs.runner import wake

    wake()
    return job
