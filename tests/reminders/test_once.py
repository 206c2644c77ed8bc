"""Never the same reminder twice: run again, run while another run holds its transaction, run in two processes.

The process test runs on the test database: a SQLite file by default, PostgreSQL when
TEST_DATABASE_URL points to one (then the second insert waits on the first one's row lock).
"""

from __future__ import annotations

import collections
import multiprocessing
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

import app.reminders.store as store
from app.domain.certificates import compose_qualification_no
from app.domain.enums import AccountStatus, Category, PracticeLevel
from app.extensions import db
from app.models import Institution, Message, Physician, Qualification, Reminder
from app.reminders.run import run_reminders
from tests.conftest import _config_for, _psycopg2
from tests.workflow.conftest import institution

from .conftest import D, reminders, run, sent

DEC_22 = D(2026, 12, 22)  # every kind is due: windows at 7 days, demo confirmations and deadlines overdue
KINDS = ("window_closing", "confirmation_waiting", "review_digest")


def outbox_state() -> tuple[int, int, int]:
    """Return (reminder records, reminder messages, messages the records say they wrote)."""
    return (db.session.scalar(select(func.count()).select_from(Reminder)), len(sent()),
            db.session.scalar(select(func.coalesce(func.sum(Reminder.messages), 0))))


def assert_each_once() -> None:
    """Every reminder message went to its recipient once, and the records account for every one."""
    counts = collections.Counter((m.template, m.recipient) for m in sent())
    assert counts and set(counts.values()) == {1}, counts.most_common(3)
    records, messages, recorded = outbox_state()
    assert messages == recorded


def test_run_twice_sends_once(ctx, runner):
    first = run(DEC_22)
    assert all(first.tallies[kind].sent for kind in KINDS), {k: t.sent for k, t in first.tallies.items()}
    after_first = outbox_state()
    second = run(DEC_22)
    assert all(second.tallies[kind].sent == 0 for kind in KINDS)
    assert runner.invoke(args=["reminders", "run", "--today", DEC_22.isoformat()]).exit_code == 0
    assert outbox_state() == after_first
    assert_each_once()


def add_cohort(count: int) -> None:
    """Add ``count`` verified physicians of Beijing's 2026 cohort (each due a window reminder)."""
    inst = institution("北京朝阳示范医院")
    for n in range(count):
        number = f"11010519980101{n:03d}"
        from app.domain.identity import id_check_digit

        number = number[:17] + id_check_digit(number[:17])
        db.session.add(Qualification(
            certificate_no=compose_qualification_no(2026, "110000", PracticeLevel.PHYSICIAN, Category.CLINICAL, number),
            name=f"测试{n:03d}", id_number=number, level=PracticeLevel.PHYSICIAN, category=Category.CLINICAL,
            province_code="110000", exam_year=2026, published_on=D(2026, 9, 15)))
        db.session.add(Physician(name=f"测试{n:03d}", id_number=number, phone=f"137{n:08d}", phone_verified=True,
                                 status=AccountStatus.VERIFIED, institution_id=inst.id, region_code=inst.region_code))
    db.session.commit()


def race_with_a_paused_run(make_app, monkeypatch, while_waiting=None) -> dict:
    """Run twice at once: the first pauses after inserting its first records, the second must wait for it."""
    first_app, second_app = make_app(), make_app()  # two engines: two connections
    paused, release = threading.Event(), threading.Event()
    real_enqueue = store.enqueue

    def enqueue_after_a_pause(*args, **kwargs):
        if threading.current_thread().name == "first" and not paused.is_set():
            paused.set()  # the first batch's records are inserted, not committed
            assert release.wait(timeout=60)
        return real_enqueue(*args, **kwargs)

    monkeypatch.setattr(store, "enqueue", enqueue_after_a_pause)
    results = {}

    def job(application, name):
        with application.app_context():
            try:
                results[name] = run_reminders(db.session, DEC_22, batch=1000)
            finally:
                db.session.remove()

    first = threading.Thread(target=job, args=(first_app, "first"), name="first")
    second = threading.Thread(target=job, args=(second_app, "second"), name="second")
    first.start()
    try:
        assert paused.wait(timeout=60)
        second.start()
        time.sleep(1.5)
        assert second.is_alive(), "the second run must wait for the first one's transaction"
        if while_waiting:
            while_waiting()
    finally:
        release.set()
        first.join(timeout=60)
        if second.ident:
            second.join(timeout=60)
    windows = results["first"].tallies["window_closing"], results["second"].tallies["window_closing"]
    assert windows[0].sent + windows[1].sent == 3  # 李芳, 刘洋 (Beijing), 王强 (Shanghai, raced for afterwards)
    assert windows[1].already >= 2  # the second found the Beijing pair taken once the first committed
    with first_app.app_context():
        assert_each_once()
        assert sum(results[n].tallies[k].sent for n in results for k in KINDS) == outbox_state()[0]
    return results


def test_a_run_waits_for_the_uncommitted_reminders_of_another(make_app, monkeypatch):
    race_with_a_paused_run(make_app, monkeypatch)


def test_postgresql_the_second_insert_waits_on_the_first_ones_row_lock(make_app, database_uri, monkeypatch):
    if database_uri.startswith("sqlite"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL): SQLite serialises whole writers instead")
    observer = create_engine(_psycopg2(database_uri))

    def a_session_waits_on_a_lock() -> None:
        with observer.connect() as connection:
            waiting = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
        assert waiting >= 1  # the second run's INSERT … ON CONFLICT waits for the first transaction

    try:
        race_with_a_paused_run(make_app, monkeypatch, a_session_waits_on_a_lock)
    finally:
        observer.dispose()


def _worker(database_uri: str, start, results) -> None:
    """Run in a separate OS process: build an app on the shared database and run the reminders."""
    from app import create_app

    settings = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 60}}} if database_uri.startswith("sqlite") else {}
    application = create_app(type("Worker", (_config_for(database_uri),), settings))  # a busy machine: wait longer
    with application.app_context():
        start.wait(timeout=120)
        result = run_reminders(db.session, DEC_22, batch=7)
        results.put({kind: (t.sent, t.already) for kind, t in result.tallies.items()})
        db.engine.dispose()


def test_two_processes_at_once_send_once(make_app, database_uri):
    application = make_app()
    with application.app_context():
        add_cohort(150)
        assert db.session.scalar(select(func.count()).select_from(Institution)) == 5
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_worker, args=(database_uri, start, results)) for _ in range(2)]
    for process in workers:
        process.start()
    try:
        start.set()
        tallies = [results.get(timeout=240) for _ in workers]
        for process in workers:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        for process in workers:
            if process.is_alive():
                process.kill()
                process.join()
    with application.app_context():
        assert_each_once()
        by_kind = collections.Counter(r.kind for r in reminders())
        assert by_kind["window_closing"] == 153  # the demo's three and the 150 added
        for kind in KINDS:
            assert sum(t[kind][0] for t in tallies) == by_kind[kind]  # between them, each sent once
        assert db.session.scalar(select(func.count()).select_from(Message).where(
            Message.template.startswith("reminder_window"))) == 153

