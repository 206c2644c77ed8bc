"""Working-day arithmetic for application deadlines, with Chinese statutory holidays.

``chinese_calendar`` knows the State Council's holiday and make-up-workday notices for the years
it ships; outside them a plain Monday-to-Friday week is assumed.
"""

import datetime
from collections.abc import Iterator

import chinese_calendar

_ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date) -> bool:
    """Tell whether a day is a working day in mainland China."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """Return the day n working days after start (before it if n is negative; start if 0)."""
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    day = start
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Count the working days in (a, b], or minus those in [b, a) when b is before a."""
    # The two half-open ranges make this the inverse of add_working_days in both directions.
    if b < a:
        return -sum(1 for day in _days(b, a) if is_working_day(day))
    return sum(1 for day in _days(a + _ONE_DAY, b + _ONE_DAY) if is_working_day(day))


def _days(first: datetime.date, stop: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day < stop:
        yield day
        day += _ONE_DAY
