"""Helpers shared by the model modules."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import mapped_column

from app.domain.enums import values


def enum_column(enum: type[StrEnum], **kwargs):
    """A short string column whose allowed values the database checks (``info["enum"]`` names them for labels)."""
    length = max(len(v) for v in values(enum))
    return mapped_column(String(max(length, 8)), info={"enum": enum}, **kwargs)


def enum_check(enum: type[StrEnum], column: str) -> CheckConstraint:
    """A named CHECK constraint limiting ``column`` to the values of ``enum``."""
    allowed = ", ".join(f"'{v}'" for v in values(enum))
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


def utcnow() -> dt.datetime:
    """Return the current time (naive UTC, as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def created_at():
    """A creation timestamp column."""
    return mapped_column(DateTime, default=utcnow, nullable=False)
