"""The commission's calendar is read from the database; certificate numbers never repeat."""

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import PracticeRegistration, WorkdayEntry, WorkdayYear
from app.workflow.calendar import load_calendar, next_practice_no

D = dt.date


def test_load_calendar_reads_entries_and_declared_years(app):
    with app.app_context():
        db.session.add_all([WorkdayEntry(day=D(2027, 1, 1), is_working=False, note="元旦"), WorkdayYear(year=2027)])
        db.session.commit()
        calendar = load_calendar(db.session, D(2026, 12, 1), D(2027, 3, 1))
        assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
        assert not calendar.is_working_day(D(2027, 1, 1))
        with pytest.raises(RuleViolation):
            load_calendar(db.session, D(2028, 1, 1), D(2028, 2, 1)).is_working_day(D(2028, 1, 3))


def test_numbers_continue_after_those_already_issued(app):
    with app.app_context():
        registration = db.session.query(PracticeRegistration).first()
        registration.certificate_no = "140310000000041"  # e.g. imported from the old system
        db.session.flush()
        first = next_practice_no(db.session, "physician", "public_health", "310000")
        second = next_practice_no(db.session, "physician", "public_health", "310000")
        other = next_practice_no(db.session, "assistant", "tcm", "441900")
        assert (first, second, other) == ("140310000000042", "140310000000043", "220441900000001")
        db.session.rollback()


def test_concurrent_allocations_never_collide(app, database_uri):
    """Eight connections allocate at once: every number is different, none is skipped."""
    if database_uri.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the concurrent case is proven on PostgreSQL")
    engine = create_engine(database_uri, pool_size=8)
    numbers: list[str] = []
    barrier = threading.Barrier(8)

    def allocate():
        with Session(engine) as session:
            barrier.wait()
            for _ in range(5):
                numbers.append(next_practice_no(session, "physician", "dental", "310000"))
                session.commit()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert sorted(numbers) == [f"130310000{n:06d}" for n in range(1, 41)]
