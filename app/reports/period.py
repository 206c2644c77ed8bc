"""A date range of Beijing days, read from request arguments and checked, with its UTC bounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.commands import CommandError, register_messages
from app.domain.clock import day_start_utc

MAX_DAYS = 5 * 366  # the working-day ordinals of a range are sent with the query: keep it bounded
EARLIEST = dt.date(2000, 1, 1)


class PeriodError(CommandError):
    """A date range that cannot be used."""


register_messages({
    "period_date_format": _l("Enter the %(field)s as a date like 2026-01-01."),
    "period_order": _l("The start date must not be later than the end date."),
    "period_too_long": _l("Choose a range of at most five years."),
    "period_too_early": _l("Choose dates from 2000-01-01 on."),
}, {"period_date_format": 400, "period_order": 400, "period_too_long": 400, "period_too_early": 400})

FIELD_LABELS = {"from": _l("start date"), "to": _l("end date")}


@dataclass(frozen=True)
class Period:
    """Beijing days ``first`` to ``last`` inclusive."""

    first: dt.date
    last: dt.date

    @property
    def start_utc(self) -> dt.datetime:
        """Return the stored (naive UTC) instant at which ``first`` begins in Beijing."""
        return day_start_utc(self.first)

    @property
    def end_utc(self) -> dt.datetime:
        """Return the stored (naive UTC) instant at which the day after ``last`` begins in Beijing."""
        return day_start_utc(self.last + dt.timedelta(days=1))

    def args(self) -> dict[str, str]:
        """Return the range as request arguments."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def this_year(today: dt.date) -> Period:
    """Return the calendar year of ``today``."""
    return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))


def _day(args: Mapping[str, str], name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise PeriodError("period_date_format", field=str(FIELD_LABELS[name])) from None


def parse_period(args: Mapping[str, str], today: dt.date) -> Period:
    """Read ``from``/``to`` (either may be left out: this year's first or last day); refuse bad ranges."""
    default = this_year(today)
    first = _day(args, "from") or default.first
    last = _day(args, "to") or default.last
    if first > last:
        raise PeriodError("period_order")
    if first < EARLIEST:
        raise PeriodError("period_too_early")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError("period_too_long")
    return Period(first, last)
