"""Run due jobs: claim one with the shared lease, call its handler, record the outcome.

Any number of workers (the in-process thread of `make run`, `flask jobs work` processes on
several hosts) may run at once; a job runs in one worker at a time. The lease is extended at each
checkpoint; a worker that lost its lease (it stalled past the lease) stops at its next checkpoint
and its uncommitted batch is rolled back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from app import lease
from app.domain.enums import JobStatus
from app.extensions import db
from app.jobs import HANDLERS, JobFailed, enqueue_scheduled, load_handlers
from app.models import Job
from app.models._base import utcnow

log = logging.getLogger(__name__)

BASE_DELAY = dt.timedelta(seconds=10)
MAX_DELAY = dt.timedelta(minutes=30)
PENDING = JobStatus.PENDING.value
_wake = threading.Event()


class LeaseLost(Exception):
    """Another worker took the job over (our lease expired): stop without writing anything."""


def wake() -> None:
    """Tell the in-process runner that a job was enqueued (no-op when none runs)."""
    _wake.set()


def lease_duration() -> dt.timedelta:
    """Return how long a claim or a checkpoint holds a job."""
    return dt.timedelta(seconds=int(current_app.config.get("JOBS_LEASE_SECONDS", 120)))


def worker_name() -> str:
    """Return a lease owner unique to this worker: host, process and a random suffix."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class JobContext:
    """What a handler sees of its job: the attempt, the last checkpoint, and ``save``."""

    job_id: int
    owner: str
    attempt: int
    state: dict[str, Any] | None
    clock: Callable[[], dt.datetime] = utcnow

    def held(self):
        """Return the condition "this worker still holds the job"."""
        return (Job.status == PENDING) & (Job.lease_owner == self.owner)

    def save(self, done: int, total: int, state: dict[str, Any] | None = None) -> None:
        """Record progress and checkpoint, extend the lease, in the caller's transaction (not committed).

        Raises LeaseLost if another worker owns the job now; the caller's transaction must then
        be rolled back (the runner does), so its work is never written twice.
        """
        values: dict[str, Any] = {"progress_done": done, "progress_total": total,
                                  "locked_until": self.clock() + lease_duration()}
        if state is not None:
            values["state"] = state
            self.state = state
        if not lease.conditional_update(Job, self.job_id, self.held(), values, commit=False):
            raise LeaseLost(self.job_id)


def _finish(ctx: JobContext, values: dict[str, Any]) -> bool:
    """Write the outcome only while we hold the lease; commit with the handler's last work."""
    done = lease.conditional_update(Job, ctx.job_id, ctx.held(),
                                    {"locked_until": None, "lease_owner": None, **values}, commit=False)
    if done:
        db.session.commit()
    else:
        db.session.rollback()
    return done


def run_job(job_id: int, owner: str, now: dt.datetime | None = None) -> str | None:
    """Claim one job and run it; return "done", "retried", "failed", or None if it was not ours."""
    load_handlers()
    claimed_at = now or utcnow()
    if not lease.claim(Job, job_id, PENDING, claimed_at, claimed_at + lease_duration(), lease_owner=owner):
        return None
    job = db.session.get(Job, job_id)
    kind, params, attempt, state, max_attempts = job.kind, dict(job.params), job.attempts, job.state, job.max_attempts
    db.session.commit()
    ctx = JobContext(job_id, owner, attempt, state)
    try:
        result = HANDLERS[kind](ctx, params)
    except LeaseLost:
        db.session.rollback()
        log.warning("job %s (%s) lost its lease; another worker continues it", job_id, kind)
        return None
    except JobFailed as exc:
        db.session.rollback()
        _finish(ctx, {"status": JobStatus.FAILED.value, "error": str(exc)[:500], "finished_at": utcnow()})
        log.warning("job %s (%s) failed: %s", job_id, kind, exc)
        return "failed"
    except Exception as exc:  # a crash halfway: retry from the last checkpoint after a back-off
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"[:500]
        if attempt >= max_attempts:
            _finish(ctx, {"status": JobStatus.FAILED.value, "error": error, "finished_at": utcnow()})
            log.exception("job %s (%s) failed after %s attempts", job_id, kind, attempt)
            return "failed"
        delay = lease.backoff(attempt, BASE_DELAY, MAX_DELAY)
        _finish(ctx, {"error": error, "next_attempt_at": claimed_at + delay})
        log.warning("job %s (%s) attempt %s failed (%s); retry in %s", job_id, kind, attempt, error, delay)
        return "retried"
    finished = _finish(ctx, {"status": JobStatus.DONE.value, "result": result, "error": None,
                             "finished_at": utcnow()})
    return "done" if finished else None


def run_due(batch: int = 10, now: dt.datetime | None = None, owner: str | None = None,
            should_stop: Callable[[], bool] | None = None) -> int:
    """Run up to ``batch`` due jobs one after the other; return how many this worker ran."""
    owner = owner or worker_name()
    ran = 0
    for job_id in lease.due_ids(Job, PENDING, now or utcnow(), batch):
        if should_stop is not None and should_stop():
            break
        if run_job(job_id, owner, now) is not None:
            ran += 1
    return ran


def run_loop(stop: threading.Event, interval: float, batch: int = 10) -> None:
    """Run jobs until ``stop`` is set, sleeping ``interval`` seconds (or until woken) when idle.

    Each round first enqueues the periodic jobs that are due (the day's reminders).
    """
    owner = worker_name()
    while not stop.is_set():
        try:
            enqueue_scheduled()
            ran = run_due(batch, owner=owner, should_stop=stop.is_set)
        except SQLAlchemyError as exc:  # e.g. the database restarting: keep the worker alive
            db.session.rollback()
            log.error("job runner failed (%s); retrying in %s s", type(exc).__name__, interval)
            ran = 0
        finally:
            db.session.remove()
        if ran == 0:
            _wake.wait(interval)
            _wake.clear()


def start_outbox_thread(app: Flask, stop: threading.Event, interval: float, batch: int = 50) -> threading.Thread:
    """Deliver the outbox in a thread of this worker until ``stop`` is set (its own loop and lease).

    A slow mail or SMS gateway then never delays the jobs, and the jobs never delay a code.
    """
    from app.notify.dispatcher import run_loop as dispatch_loop

    def target() -> None:
        with app.app_context():
            dispatch_loop(batch, interval, stop)

    thread = threading.Thread(target=target, name="outbox-dispatcher", daemon=True)
    thread.start()
    return thread


_started: set[int] = set()


def start_in_process(app: Flask) -> None:
    """Start the background work inside this process (development: `make run`): jobs and the outbox."""
    if id(app) in _started:
        return
    _started.add(id(app))
    stop = threading.Event()
    app.extensions["job_runner_stop"] = stop
    interval = float(app.config.get("JOBS_POLL_SECONDS", 2.0))

    def target() -> None:
        with app.app_context():
            run_loop(stop, interval)

    threading.Thread(target=target, name="job-runner", daemon=True).start()
    start_outbox_thread(app, stop, interval)
    log.info("in-process job runner and outbox dispatcher started")


def install_in_process_runner(app: Flask) -> None:
    """With JOBS_IN_PROCESS on, start the runner at the first request (so CLI commands never do)."""
    if not app.config.get("JOBS_IN_PROCESS"):
        return

    @app.before_request
    def _start_job_runner() -> None:
        start_in_process(app)
