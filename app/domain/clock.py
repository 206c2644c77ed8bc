"""Beijing time: the registry's days and deadlines are Beijing days; times are stored as naive UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def today_in_beijing() -> dt.date:
    """Return today's date in Beijing (deadlines and windows are Beijing days)."""
    return dt.datetime.now(BEIJING).date()


def to_beijing(moment: dt.datetime | None) -> dt.datetime | None:
    """Return a stored (naive UTC) time as an aware Beijing time."""
    return None if moment is None else moment.replace(tzinfo=dt.UTC).astimezone(BEIJING)


def day_start_utc(day: dt.date) -> dt.datetime:
    """Return the stored (naive UTC) instant at which a Beijing day begins."""
    return dt.datetime.combine(day, dt.time(), tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
