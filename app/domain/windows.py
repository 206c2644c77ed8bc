"""The yearly registration window's rules: its state, default close, valid plans and working days left."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.workdays import WorkdayCalendar


class WindowState(StrEnum):
    """Where a window stands on a given day."""

    NOT_OPEN = "not_open"  # 未开始
    OPEN = "open"  # 进行中
    CLOSED = "closed"  # 已结束


@dataclass(frozen=True)
class WindowPlan:
    """The dates of one province's window for one exam cohort (``id`` None: not saved yet)."""

    province_code: str
    cohort_year: int
    opens_on: datetime.date
    closes_on: datetime.date
    id: int | None = None


def default_closes_on(year: int) -> datetime.date:
    """Return the default closing day of a window of ``year``: 31 December."""
    return datetime.date(year, 12, 31)


def state_of(opens_on: datetime.date, closes_on: datetime.date, today: datetime.date) -> WindowState:
    """Return whether the window is not open yet, open (both days included) or closed."""
    if today < opens_on:
        return WindowState.NOT_OPEN
    return WindowState.OPEN if today <= closes_on else WindowState.CLOSED


def check_plan(plan: WindowPlan, others: Iterable[WindowPlan]) -> None:
    """Refuse a window that does not open before it closes, or overlaps another of its province and cohort."""
    if not plan.opens_on < plan.closes_on:
        raise RuleViolation("window_dates_reversed", opens=plan.opens_on, closes=plan.closes_on)
    for other in others:
        if other.id == plan.id and plan.id is not None:
            continue
        if (other.province_code, other.cohort_year) != (plan.province_code, plan.cohort_year):
            continue
        if plan.opens_on <= other.closes_on and other.opens_on <= plan.closes_on:
            raise RuleViolation("window_overlaps", cohort=plan.cohort_year, opens=other.opens_on, closes=other.closes_on)
        # One window per province and cohort (the table's unique key): a second period is an edit of the first.
        raise RuleViolation("window_exists", cohort=plan.cohort_year, opens=other.opens_on, closes=other.closes_on)


def check_change(before: WindowPlan | None, after: WindowPlan, today: datetime.date, reason: str | None) -> None:
    """Refuse a change to a window that has closed unless a reason is given (it is recorded)."""
    if before is None or before == after:
        return
    if state_of(before.opens_on, before.closes_on, today) is WindowState.CLOSED and not (reason or "").strip():
        raise RuleViolation("window_closed_reason_required", closes=before.closes_on)


def working_days_left(
    calendar: WorkdayCalendar, opens_on: datetime.date, closes_on: datetime.date, today: datetime.date
) -> int:
    """Count the working days on which a first registration can still be filed (today included).

    Raises ``calendar_year_unknown`` when a year of the remaining period is in no calendar.
    """
    first = max(opens_on, today)
    if first > closes_on:
        return 0
    return calendar.working_days_between(first - datetime.timedelta(days=1), closes_on)


# The one next step of a physician on the way to a first registration, in the order they apply.
REGISTERED, CONTACT_INSTITUTION, VERIFY_CONTACT, AWAIT_ACTIVATION = (
    "registered", "contact_institution", "verify_contact", "await_activation")
CONTINUE_DRAFT, REVISE_APPLICATION, WAIT_FOR_REVIEW = "continue_draft", "revise_application", "wait_for_review"
WAIT_FOR_WINDOW, WINDOW_CLOSED, FILE_FIRST = "wait_for_window", "window_closed", "file_first_registration"
WINDOW_BLOCKS = {"window_not_set": WAIT_FOR_WINDOW, "window_not_open": WAIT_FOR_WINDOW, "window_closed": WINDOW_CLOSED}


def next_step_for(account_status: str, registered: bool, open_application_status: str | None,
                  window_refusal: str | None) -> str:
    """Return the one thing a physician has to do next (machine code).

    ``window_refusal`` is the code check_window raised for the physician's cohort today (None: open,
    or not windowed); ``open_application_status`` the status of an open first registration.
    """
    if registered:
        return REGISTERED
    if account_status == "disabled":
        return CONTACT_INSTITUTION
    if account_status == "created":
        return VERIFY_CONTACT
    if account_status == "verified":
        return AWAIT_ACTIVATION
    if open_application_status == "draft":  # a draft can only be submitted while the window is open
        return WINDOW_BLOCKS.get(window_refusal, WAIT_FOR_WINDOW) if window_refusal else CONTINUE_DRAFT
    if open_application_status in ("returned", "correction"):
        return REVISE_APPLICATION
    if open_application_status is not None:
        return WAIT_FOR_REVIEW
    if window_refusal is not None:
        return WINDOW_BLOCKS.get(window_refusal, WAIT_FOR_WINDOW)
    return FILE_FIRST
