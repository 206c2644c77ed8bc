import datetime

import pytest

from app.domain.errors import RuleViolation
from app.domain.workdays import (
    WorkdayCalendar,
    add_working_days,
    is_working_day,
    library_knows,
    working_days_between,
)

D = datetime.date


def test_national_day_2024():
    assert not is_working_day(D(2024, 10, 1))
    assert not is_working_day(D(2024, 10, 7))
    assert is_working_day(D(2024, 9, 29))  # Sunday, make-up workday
    assert is_working_day(D(2024, 10, 12))  # Saturday, make-up workday
    # Fri 27 Sep + 1 is the make-up Sunday; + 2 is Mon 30 Sep; + 3 skips the holiday week.
    assert add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert add_working_days(D(2024, 9, 27), 2) == D(2024, 9, 30)
    assert add_working_days(D(2024, 9, 27), 3) == D(2024, 10, 8)
    assert add_working_days(D(2024, 9, 30), 5) == D(2024, 10, 12)
    assert working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 1
    # 29-30 Sep and 8-12 Oct: the holiday week and both weekends are skipped.
    assert working_days_between(D(2024, 9, 28), D(2024, 10, 13)) == 7


def test_zero_and_negative():
    assert add_working_days(D(2024, 10, 3), 0) == D(2024, 10, 3)
    assert add_working_days(D(2024, 10, 8), -1) == D(2024, 9, 30)
    assert working_days_between(D(2024, 10, 8), D(2024, 9, 30)) == -1
    assert working_days_between(D(2024, 10, 8), D(2024, 10, 8)) == 0


@pytest.mark.parametrize(
    "start", [D(2024, 9, 28), D(2024, 10, 1), D(2024, 12, 31), D(2025, 1, 26)]
)
@pytest.mark.parametrize("n", [-20, -5, -1, 1, 5, 20])
def test_add_and_between_are_inverse(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


def test_unknown_year_is_refused_not_guessed():
    # 2099 is beyond chinese_calendar's data and nobody entered it: no silent Monday-to-Friday week.
    with pytest.raises(RuleViolation) as refused:
        is_working_day(D(2099, 10, 1))
    assert refused.value.code == "calendar_year_unknown"
    assert refused.value.params == {"year": 2099}
    with pytest.raises(RuleViolation):
        add_working_days(D(2026, 12, 20), 20)  # runs into 2027


def test_commission_calendar_completes_a_year():
    # The commission enters 2027's New Year holiday and a make-up Saturday, then declares 2027 complete.
    calendar = WorkdayCalendar.of(
        {D(2027, 1, 1): False, D(2027, 1, 9): True}, years=[2027]
    )
    assert not calendar.is_working_day(D(2027, 1, 1))  # Friday, holiday
    assert calendar.is_working_day(D(2027, 1, 9))  # Saturday, make-up workday
    assert not calendar.is_working_day(D(2027, 1, 10))  # Sunday
    assert calendar.is_working_day(D(2027, 1, 4))  # Monday
    # Fri 1 Jan holiday, Sat 2 / Sun 3 weekend, Mon 4 Jan is the first working day.
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert calendar.working_days_between(D(2027, 1, 8), D(2027, 1, 11)) == 2  # Sat 9 (make-up), Mon 11
    # Library years still follow the library; an entry overrides it.
    assert not calendar.is_working_day(D(2024, 10, 1))
    assert WorkdayCalendar.of({D(2024, 10, 1): True}).is_working_day(D(2024, 10, 1))


def test_entries_without_a_declared_year_do_not_complete_it():
    calendar = WorkdayCalendar.of({D(2027, 1, 1): False})
    assert not calendar.is_working_day(D(2027, 1, 1))
    with pytest.raises(RuleViolation):
        calendar.is_working_day(D(2027, 1, 4))


def test_library_knows():
    assert library_knows(2026)
    assert not library_knows(2099)


def test_long_spans_count_the_same_as_day_by_day():
    """Spans of years (an application that waited long) use per-year running counts: same answers."""
    import datetime as _dt

    from app.domain.workdays import WorkdayCalendar

    calendar = WorkdayCalendar.of({_dt.date(2024, 3, 4): False}, [])
    for a, b in [(_dt.date(2019, 5, 3), _dt.date(2025, 10, 8)), (_dt.date(2024, 1, 1), _dt.date(2024, 12, 31)),
                 (_dt.date(2023, 12, 31), _dt.date(2024, 3, 4)), (_dt.date(2020, 2, 29), _dt.date(2021, 3, 1))]:
        span = (b - a).days
        forward = sum(calendar.is_working_day(a + _dt.timedelta(days=n)) for n in range(1, span + 1))  # (a, b]
        backward = sum(calendar.is_working_day(a + _dt.timedelta(days=n)) for n in range(span))  # [a, b)
        assert calendar.working_days_between(a, b) == forward
        assert calendar.working_days_between(b, a) == -backward
