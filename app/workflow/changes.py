"""What one transition writes on an application and in its event log (one rule for the single and the bulk path)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.domain.enums import ApplicationStatus as S
from app.domain.errors import RuleViolation
from app.workflow.cache import cached
from app.workflow.calendar import load_calendar
from app.workflow.transitions import BY_ACTION, Transition

ACCEPT_WORKING_DAYS = 5
DECIDE_WORKING_DAYS = 20


class Current(Protocol):
    """The columns of an application a transition reads (an Application or a stand-in)."""

    status: str
    confirmed_at: dt.datetime | None
    institution_opinion: str | None


def due(session: Session, start: dt.date, working_days: int) -> dt.date | None:
    """Return the deadline, or None when the calendar of its year is not entered (shown as such)."""

    def compute() -> dt.date | None:
        calendar = load_calendar(session, start, start + dt.timedelta(days=120))
        try:
            return calendar.add_working_days(start, working_days)
        except RuleViolation:
            return None

    return cached(session, ("due", start, working_days), compute)


def steps_of(transition: Transition, source: str) -> tuple[Transition, ...]:
    """Return the transitions recorded for ``transition`` from ``source`` (an implied 受理 first)."""
    implied = transition.implied_action(S(source))
    return (BY_ACTION[implied], transition) if implied else (transition,)


def column_changes(session: Session, current: Current, transition: Transition, reason: str | None,
                   today: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Return the columns ``transition`` sets on an application whose present values are ``current``."""
    source, target = current.status, transition.target
    changes: dict[str, Any] = {"status": target}
    if target == S.SUBMITTED:
        changes["submitted_at"] = now
    elif target == S.PENDING_ACCEPTANCE:
        changes["confirmed_at"] = current.confirmed_at if source == S.CORRECTION else now
        changes["accept_due"] = due(session, today, ACCEPT_WORKING_DAYS)
        if transition.action == "confirm":
            changes["institution_opinion"] = reason or current.institution_opinion
    elif target == S.ACCEPTED:
        changes["accepted_at"] = now
        changes["decide_due"] = due(session, today, DECIDE_WORKING_DAYS)
    elif target in (S.APPROVED, S.REFUSED, S.NOT_ACCEPTED):
        changes["decided_at"] = now
        changes["decision_comment"] = reason
    elif target == S.RETURNED:
        changes["institution_opinion"] = reason
    return changes


def event_row(application_id: int, source: str | None, target: str, action: str, actor_id: int | None,
              actor_role: str | None, comment: str | None = None) -> dict[str, Any]:
    """Return the columns of one ApplicationEvent."""
    return {
        "application_id": application_id, "from_status": source, "to_status": target, "action": action,
        "actor_id": actor_id, "actor_role": actor_role, "comment": comment,
    }
