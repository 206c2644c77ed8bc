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


# Indexes on an expression: SQLite cannot reflect them and PostgreSQL reflects them in its own spelling,
# so autogenerate would see a difference that is not one. Their migrations are written by hand; the
# plan test (tests/test_queue_order.py) proves they exist and serve the queries.
EXPRESSION_INDEXES = frozenset({"ix_application_waiting"})
UNREFLECTED_WARNINGS = (
    "Skipped unsupported reflection of expression-based index",
    "autogenerate skipping metadata-specified expression-based index",
)


def compared_by_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: compare every object but the expression indexes."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)
