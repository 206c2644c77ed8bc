"""The job mechanism: re-run after a crash without doubles, retries with back-off, lease expiry, keys."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import lease
from app.extensions import db
from app.jobs import HANDLERS, JobFailed, enqueue, handler
from app.jobs.runner import LeaseLost, run_due, run_job
from app.models import Job, SecurityEvent
from app.models._base import utcnow

CRASH_AT: dict[int, int] = {}  # job id -> raise before writing this batch (first attempt only)


@pytest.fixture(autouse=True)
def test_handlers():
    """Register the test job kinds: batches of audit rows with a checkpoint, and failing jobs."""

    @handler("test_rows")
    def write_rows(ctx, params):
        total, batch = params["total"], params["batch"]
        start = (ctx.state or {}).get("next", 0)
        for first in range(start, total, batch):
            if ctx.attempt == 1 and CRASH_AT.get(ctx.job_id) == first:
                raise RuntimeError("killed halfway")
            for number in range(first, min(first + batch, total)):
                db.session.add(SecurityEvent(event="test_row", detail=f"{ctx.job_id}:{number}"))
            ctx.save(min(first + batch, total), total, {"next": first + batch})
            db.session.commit()
        return {"rows": total}

    @handler("test_flaky")
    def flaky(ctx, params):
        raise RuntimeError("the network is down")

    @handler("test_refused")
    def refused(ctx, params):
        raise JobFailed("文件无法读取")

    yield
    for kind in ("test_rows", "test_flaky", "test_refused"):
        HANDLERS.pop(kind, None)


def rows_of(job_id: int) -> list[str]:
    """Return the details of the rows a test job wrote."""
    return list(db.session.scalars(select(SecurityEvent.detail).where(
        SecurityEvent.event == "test_row", SecurityEvent.detail.like(f"{job_id}:%"))))


def test_a_job_killed_halfway_resumes_from_its_checkpoint_without_doubles(app):
    with app.app_context():
        job = enqueue("test_rows", {"total": 10, "batch": 3})
        CRASH_AT[job.id] = 6  # two batches (6 rows) are committed, then the worker dies
        assert run_job(job.id, "worker-a") == "retried"
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert (job.status, job.progress_done, job.attempts, job.locked_until) == ("pending", 6, 1, None)
        assert "killed halfway" in job.error and len(rows_of(job.id)) == 6
        assert job.next_attempt_at > utcnow()  # backed off
        assert run_job(job.id, "worker-b", now=job.next_attempt_at) == "done"
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert (job.status, job.progress_done, job.progress_total, job.result) == ("done", 10, 10, {"rows": 10})
        assert sorted(rows_of(job.id)) == sorted(f"{job.id}:{n}" for n in range(10))  # each row once
        assert run_due(now=utcnow() + dt.timedelta(days=1)) == 0  # done is done
        assert len(rows_of(job.id)) == 10


def test_retries_back_off_then_fail(app):
    with app.app_context():
        job = enqueue("test_flaky", {}, max_attempts=3)
        now, waits = utcnow(), []
        for expected in ("retried", "retried", "failed"):
            assert run_job(job.id, "w", now=now) == expected
            db.session.expire_all()
            job = db.session.get(Job, job.id)
            waits.append(job.next_attempt_at - now)
            now = job.next_attempt_at + dt.timedelta(seconds=1)
        assert waits[1] > waits[0]  # the wait doubles
        assert (job.status, job.attempts) == ("failed", 3) and "network is down" in job.error
        assert run_job(job.id, "w", now=now + dt.timedelta(days=1)) is None  # never picked up again


def test_a_refusal_fails_at_once_with_its_message(app):
    with app.app_context():
        job = enqueue("test_refused", {})
        assert run_due() == 1
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert (job.status, job.attempts, job.error) == ("failed", 1, "文件无法读取")


def test_an_expired_lease_passes_the_job_on_and_the_stale_worker_writes_nothing(app):
    with app.app_context():
        job = enqueue("test_rows", {"total": 4, "batch": 2})
        now = utcnow()
        assert lease.claim(Job, job.id, "pending", now, now + dt.timedelta(seconds=30), lease_owner="dead")
        assert run_due(now=now + dt.timedelta(seconds=10)) == 0  # still leased: nobody else runs it
        assert run_due(now=now + dt.timedelta(seconds=31), owner="alive") == 1  # expired: taken over
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert (job.status, job.attempts) == ("done", 2)
        from app.jobs.runner import JobContext

        stale = JobContext(job.id, "dead", 1, None)  # the first worker wakes up and checkpoints
        db.session.add(SecurityEvent(event="test_row", detail=f"{job.id}:stale"))
        with pytest.raises(LeaseLost):
            stale.save(2, 4, {"next": 2})
        db.session.rollback()
        assert sorted(rows_of(job.id)) == [f"{job.id}:{n}" for n in range(4)]


def test_one_job_per_key(app):
    with app.app_context():
        first = enqueue("test_rows", {"total": 1, "batch": 1}, key="same-work")
        second = enqueue("test_rows", {"total": 1, "batch": 1}, key="same-work")
        assert first.id == second.id
        assert db.session.scalar(select(func.count()).select_from(Job).where(Job.key == "same-work")) == 1
        with pytest.raises(ValueError):
            enqueue("no_such_kind", {})


def test_flask_jobs_work_runs_due_jobs(app):
    with app.app_context():
        job_id = enqueue("test_rows", {"total": 2, "batch": 2}).id
    result = app.test_cli_runner().invoke(args=["jobs", "work"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Job, job_id).status == "done"
