"""What the timeline and the queues show: events as steps, who holds an application, days left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.clock import to_beijing
from app.domain.enums import ApplicationStatus as S
from app.domain.errors import RuleViolation
from app.domain.workdays import WorkdayCalendar
from app.models import Application, ApplicationEvent
from app.workflow.calendar import load_calendar
from app.workflow.transitions import HOLDER

beijing = to_beijing  # the templates' name


@dataclass(frozen=True)
class Deadline:
    """The running deadline of an open application: due date and working days left (negative: overdue)."""

    kind: str  # "accept" or "decide"
    due: dt.date | None
    left: int | None  # None when the calendar of the due year is not entered

    @property
    def overdue(self) -> bool:
        """Tell whether the deadline has passed."""
        return self.left is not None and self.left < 0


def calendar_for(session: Session, today: dt.date) -> WorkdayCalendar:
    """Load the calendar covering the deadlines a queue page shows."""
    return load_calendar(session, today - dt.timedelta(days=400), today + dt.timedelta(days=400))


def deadline_of(application: Application, calendar: WorkdayCalendar, today: dt.date) -> Deadline | None:
    """Return the running deadline of an application, if the commission holds it."""
    if application.status == S.PENDING_ACCEPTANCE:
        kind, due = "accept", application.accept_due
    elif application.status == S.ACCEPTED:
        kind, due = "decide", application.decide_due
    else:
        return None
    if due is None:
        return Deadline(kind, None, None)
    try:
        left = calendar.working_days_between(today, due)
    except RuleViolation:
        left = None
    return Deadline(kind, due, left)


def waiting_days(application: Application, calendar: WorkdayCalendar, today: dt.date) -> int | None:
    """Return the working days the current holder has had the application (None if unknown)."""
    last = application.events[-1].created_at if application.events else None
    return waiting_days_since(application.status, last, calendar, today)


def waiting_days_since(status: str, last_event_at: dt.datetime | None, calendar: WorkdayCalendar,
                       today: dt.date) -> int | None:
    """Return the working days since the last event (stored UTC) for a held status (None if unknown)."""
    if S(status) not in HOLDER or last_event_at is None:
        return None
    since = beijing(last_event_at).date()
    try:
        return max(calendar.working_days_between(since, today), 0)
    except RuleViolation:
        return None


def last_event_at():
    """Return a scalar subquery: the time of an application's newest event (a queue row needs no more)."""
    return (
        select(func.max(ApplicationEvent.created_at))
        .where(ApplicationEvent.application_id == Application.id)
        .correlate(Application).scalar_subquery()
    )


def holder_role(application: Application) -> str | None:
    """Return the role that must act next (None when the application is closed)."""
    return HOLDER.get(S(application.status))


def requested_items(session: Session, application: Application) -> list[tuple[object, str | None]]:
    """Return what the application asks for as (label, value) pairs in Chinese, for pages and the PDF."""
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import select

    from app.models import Institution, PracticeScope, Region

    data = application.data or {}
    items: list[tuple[object, str | None]] = []
    if data.get("location_code"):
        region = session.get(Region, data["location_code"])
        items.append((_l("Practice location"), region.name if region else data["location_code"]))
    if data.get("institution_id") and application.type in ("first", "change"):
        institution = session.get(Institution, data["institution_id"])
        items.append((_l("Primary institution"), institution.name if institution else None))
    if data.get("institution_id") and application.type in ("filing_add", "filing_end"):
        institution = session.get(Institution, data["institution_id"])
        items.append((_l("Filing institution"), institution.name if institution else None))
    if data.get("scope_codes"):
        names = dict(session.execute(
            select(PracticeScope.code, PracticeScope.name).where(PracticeScope.code.in_(data["scope_codes"]))).all())
        items.append((_l("Practice scopes"), "、".join(names.get(c, c) for c in data["scope_codes"])))
    if data.get("valid_from"):
        items.append((_l("Filing period"), f"{data['valid_from']} 至 {data.get('valid_to') or '--'}"))
    if "residency_training" in data:
        items.append((_l("Standardised residency training"), str(_l("Yes") if data["residency_training"] else _l("No"))))
    if data.get("title"):
        items.append((_l("Title"), data["title"]))
    training = data.get("training") or {}
    if any(training.values()):
        items.append((_l("Training proof"), str(_l(
            "%(institution)s, %(started)s to %(ended)s, assessment passed on %(assessed)s, %(certificate)s",
            institution=training.get("institution") or "--", started=training.get("started_on") or "--",
            ended=training.get("ended_on") or "--", assessed=training.get("assessed_on") or "--",
            certificate=_l("certificate uploaded") if training.get("certificate") else _l("certificate not uploaded")))))
    if data.get("reason"):
        items.append((_l("Reason for deregistration"), data["reason"]))
    return items
