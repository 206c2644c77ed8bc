"""Working-day arithmetic for application deadlines, with Chinese statutory holidays.

``chinese_calendar`` knows the State Council's holiday and make-up-workday notices for the years it
ships. Later years come from the commission's own calendar (``WorkdayCalendar``): days it marks as
holidays or make-up workdays, and the years it has declared complete. A year that neither knows is
refused (``calendar_year_unknown``): a deadline is never computed on a guessed Monday-to-Friday week.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import chinese_calendar
from chinese_calendar.constants import holidays as _LIBRARY_HOLIDAYS
from chinese_calendar.constants import workdays as _LIBRARY_WORKDAYS

from app.domain.errors import RuleViolation

_ONE_DAY = datetime.timedelta(days=1)
# The years the library covers, computed once (its own is_workday recomputes them on every call).
_LIBRARY_YEARS = range(min(_LIBRARY_HOLIDAYS).year, max(_LIBRARY_HOLIDAYS).year + 1)


def _library_is_workday(day: datetime.date) -> bool:
    """``chinese_calendar.is_workday`` without its per-call range scan; NotImplementedError outside its years."""
    if day.year not in _LIBRARY_YEARS:
        raise NotImplementedError(day.year)
    return day in _LIBRARY_WORKDAYS or (day.weekday() <= 4 and day not in _LIBRARY_HOLIDAYS)


def library_knows(year: int) -> bool:
    """Tell whether ``chinese_calendar`` has the holiday notice of ``year``."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkdayCalendar:
    """The library's calendar, completed by the commission's entries for the years it lacks.

    ``days`` maps a date to True (working day, e.g. a make-up Saturday) or False (holiday);
    ``years`` are the years whose entries the commission has declared complete.
    """

    days: Mapping[datetime.date, bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    # year -> running count of working days from 1 January (index: day of the year - 1), built on use
    _running: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @classmethod
    def of(cls, days: Mapping[datetime.date, bool] | None = None, years: Iterable[int] = ()) -> WorkdayCalendar:
        """Build a calendar from the commission's entries."""
        return cls(dict(days or {}), frozenset(years))

    def is_working_day(self, day: datetime.date) -> bool:
        """Tell whether ``day`` is a working day in mainland China."""
        if day in self.days:
            return self.days[day]
        try:
            return _library_is_workday(day)
        except NotImplementedError:
            if day.year in self.years:
                return day.weekday() < 5
            raise RuleViolation("calendar_year_unknown", year=day.year) from None

    def add_working_days(self, start: datetime.date, n: int) -> datetime.date:
        """Return the day n working days after start (before it if n is negative; start if 0)."""
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        day = start
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """Count the working days in (a, b], or minus those in [b, a) when b is before a."""
        # The two half-open ranges make this the inverse of add_working_days in both directions.
        if b < a:  # [b, a) is (b - 1, a - 1]
            return -self.working_days_between(b - _ONE_DAY, a - _ONE_DAY)
        if (b - a).days <= 31:
            return sum(1 for day in _days(a + _ONE_DAY, b + _ONE_DAY) if self.is_working_day(day))
        try:  # long spans (an application waiting for years): running counts per year, built once
            whole_years = sum(self._running_count(year)[-1] for year in range(a.year, b.year))
            return whole_years + self._count_to(b) - self._count_to(a)
        except RuleViolation:  # a year only partly entered: count the days themselves
            return sum(1 for day in _days(a + _ONE_DAY, b + _ONE_DAY) if self.is_working_day(day))

    def _count_to(self, day: datetime.date) -> int:
        """Return the working days from 1 January of ``day``'s year to ``day``, both included."""
        return self._running_count(day.year)[day.timetuple().tm_yday - 1]

    def _running_count(self, year: int) -> list[int]:
        if year not in self._running:
            # a library year the commission entered nothing for is the same in every calendar: shared
            shared = self is not LIBRARY_ONLY and year in _LIBRARY_YEARS and not any(d.year == year for d in self.days)
            self._running[year] = LIBRARY_ONLY._running_count(year) if shared else self._count_year(year)
        return self._running[year]

    def _count_year(self, year: int) -> list[int]:
        counts, total = [], 0
        for day in _days(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)):
            total += self.is_working_day(day)
            counts.append(total)
        return counts


LIBRARY_ONLY = WorkdayCalendar()


def is_working_day(day: datetime.date) -> bool:
    """Tell whether a day is a working day by the library's calendar alone."""
    return LIBRARY_ONLY.is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """Add n working days by the library's calendar alone."""
    return LIBRARY_ONLY.add_working_days(start, n)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Count working days by the library's calendar alone."""
    return LIBRARY_ONLY.working_days_between(a, b)


def _days(first: datetime.date, stop: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day < stop:
        yield day
        day += _ONE_DAY
