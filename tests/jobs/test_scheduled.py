"""The reminders and the outbox on the job mechanism: one reminders job per day, run safely twice,
and the worker's outbox thread delivering what the web wrote."""

from __future__ import annotations

import collections
import datetime as dt
import threading

from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs import enqueue_scheduled
from app.jobs.runner import run_due, run_job, start_outbox_thread
from app.models import Job, Message, Reminder
from app.notify.outbox import enqueue as enqueue_message
from app.reminders.job import KIND, due_day, job_key, schedule

# 2026-12-22 is a day on which every kind of reminder is due in the demo (tests/reminders/test_once.py)
BEFORE_NINE = dt.datetime(2026, 12, 22, 0, 30)  # 08:30 in Beijing (naive UTC, as stored)
AFTER_NINE = dt.datetime(2026, 12, 22, 1, 30)  # 09:30 in Beijing
DAY = dt.date(2026, 12, 22)


def reminder_jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == KIND)))


def outbox_counts() -> tuple[int, int]:
    """Return (reminder records, reminder messages in the outbox)."""
    return (db.session.scalar(select(func.count()).select_from(Reminder)),
            db.session.scalar(select(func.count()).select_from(Message).where(Message.template.startswith("reminder_"))))


def test_the_days_job_is_enqueued_once_after_the_configured_beijing_time(make_app):
    app = make_app(REMINDERS_AT="09:00")
    with app.app_context():
        assert due_day(BEFORE_NINE) is None
        assert schedule(BEFORE_NINE) is None and reminder_jobs() == []
        assert due_day(AFTER_NINE) == DAY
        # every worker's loop calls the schedulers each round: still one job for the day
        for _round in range(3):
            enqueue_scheduled(AFTER_NINE)
        jobs = reminder_jobs()
        assert [(job.key, job.params) for job in jobs] == [(job_key(DAY), {"day": "2026-12-22"})]
        # the next Beijing day (16:30 UTC is already 00:30 tomorrow in Beijing, before nine) waits
        assert schedule(dt.datetime(2026, 12, 22, 16, 30)) is None


def test_scheduling_off_or_malformed_enqueues_nothing(make_app):
    for setting in ("", "9 点"):
        app = make_app(REMINDERS_AT=setting)
        with app.app_context():
            assert due_day(AFTER_NINE) is None
            enqueue_scheduled(AFTER_NINE)
            assert reminder_jobs() == []


def test_the_reminders_job_writes_each_reminder_once_even_when_run_again(make_app):
    app = make_app(REMINDERS_AT="09:00")
    with app.app_context():
        job = schedule(AFTER_NINE)
        assert run_job(job.id, "worker-a") == "done"
        db.session.expire_all()
        result = db.session.get(Job, job.id).result
        assert result["day"] == "2026-12-22"
        assert all(result["tallies"][kind]["sent"] for kind in ("window_closing", "confirmation_waiting", "review_digest"))
        first = outbox_counts()
        assert first[0] > 0 and first[1] >= first[0]
        # a worker killed after its work but before it marked the job done: the job runs again
        db.session.execute(update(Job).where(Job.id == job.id).values(status="pending", locked_until=None))
        db.session.commit()
        assert run_job(job.id, "worker-b") == "done"
        db.session.expire_all()
        assert outbox_counts() == first
        again = db.session.get(Job, job.id).result["tallies"]
        assert sum(tally["sent"] for tally in again.values()) == 0
        counts = collections.Counter(db.session.execute(
            select(Message.template, Message.recipient).where(Message.template.startswith("reminder_"))).all())
        assert set(counts.values()) == {1}


def test_flask_jobs_work_enqueues_and_runs_the_days_reminders(make_app):
    app = make_app(REMINDERS_AT="00:00")  # due at any hour
    result = app.test_cli_runner().invoke(args=["jobs", "work"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        jobs = reminder_jobs()
        assert len(jobs) == 1 and jobs[0].status == "done"
        assert run_due() == 0  # done: nothing left to run


def test_the_workers_outbox_thread_delivers_the_outbox(make_app, tmp_path):
    log_file = tmp_path / "outbox.log"
    app = make_app(NOTIFY_LOG_FILE=str(log_file))
    with app.app_context():
        ids = [enqueue_message("email", f"doctor{n}@example.cn", "signup_code", code="123456", minutes=10)
               for n in range(3)]
        db.session.commit()
        ids = [message.id for message in ids]
    stop = threading.Event()
    thread = start_outbox_thread(app, stop, interval=0.05)
    with app.app_context():
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        while dt.datetime.now() < deadline:
            db.session.expire_all()
            statuses = set(db.session.scalars(select(Message.status).where(Message.id.in_(ids))))
            db.session.commit()
            if statuses == {"sent"}:
                break
            stop.wait(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert statuses == {"sent"}
    assert sum(f"doctor{n}@example.cn" in log_file.read_text(encoding="utf-8") for n in range(3)) == 3
