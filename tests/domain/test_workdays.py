import datetime

import pytest

from app.domain.workdays import add_working_days, is_working_day, working_days_between

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


def test_fallback_outside_known_years():
    # 2099 is beyond chinese_calendar's data: a plain Monday-to-Friday week.
    assert not is_working_day(D(2099, 10, 3))  # Saturday
    assert is_working_day(D(2099, 10, 1))  # Thursday, would be National Day
    assert add_working_days(D(2099, 10, 2), 1) == D(2099, 10, 5)
    assert working_days_between(D(1990, 1, 1), D(1990, 1, 8)) == 5
