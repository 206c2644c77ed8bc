"""Who may file a first registration when: the yearly window and the 2-year training rule (SPEC §3)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from app.domain.errors import RuleViolation

DEFAULT_MIN_TRAINING_MONTHS = 3


@dataclass(frozen=True)
class Window:
    """One province's registration window for one exam cohort."""

    cohort_year: int
    opens_on: datetime.date
    closes_on: datetime.date


def check_window(cohort_year: int, windows: list[Window], today: datetime.date) -> None:
    """Refuse a first registration of ``cohort_year`` outside its province's window.

    Cohorts older than the newest one the province has a window for may file any time.
    """
    newest = max((w.cohort_year for w in windows), default=None)
    if newest is not None and cohort_year < newest:
        return
    window = next((w for w in windows if w.cohort_year == cohort_year), None)
    if window is None:
        raise RuleViolation("window_not_set", cohort=cohort_year)
    if today < window.opens_on:
        raise RuleViolation("window_not_open", cohort=cohort_year, opens=window.opens_on, closes=window.closes_on)
    if today > window.closes_on:
        raise RuleViolation("window_closed", cohort=cohort_year, opens=window.opens_on, closes=window.closes_on)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def needs_training_proof(qualified_on: datetime.date, submitted_on: datetime.date) -> bool:
    """Tell whether the 2-year rule applies: qualified 2 years or more before submission."""
    return submitted_on >= _years_later(qualified_on, 2)


@dataclass(frozen=True)
class TrainingProof:
    """Proof of training at a designated institution and of the passed assessment."""

    institution: str
    started_on: datetime.date | None
    ended_on: datetime.date | None
    assessed_on: datetime.date | None
    certificate: str | None  # the stored file of the training certificate


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Count whole months from ``start`` to ``end``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def check_training_proof(
    proof: TrainingProof | None, submitted_on: datetime.date, minimum_months: int = DEFAULT_MIN_TRAINING_MONTHS
) -> None:
    """Refuse missing or insufficient training proof, naming every missing item at once."""
    if proof is None:
        raise RuleViolation("training_required", months=minimum_months)
    missing = [
        name for name, value in (
            ("institution", (proof.institution or "").strip()),
            ("started_on", proof.started_on),
            ("ended_on", proof.ended_on),
            ("assessed_on", proof.assessed_on),
            ("certificate", proof.certificate),
        ) if not value
    ]
    if missing:
        raise RuleViolation("training_incomplete", missing=missing, months=minimum_months)
    if proof.ended_on < proof.started_on:
        raise RuleViolation("training_dates_reversed")
    if months_between(proof.started_on, proof.ended_on) < minimum_months:
        raise RuleViolation("training_too_short", months=minimum_months)
    if not proof.ended_on <= proof.assessed_on <= submitted_on:
        raise RuleViolation("training_assessment_date")
