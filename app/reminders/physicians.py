"""Physicians of an open registration window who have not filed yet, reminded 7 and 1 working days before it closes.

A physician belongs to a window through a qualification of its province and exam cohort. Due
are accounts that are not verified or not activated yet, and active accounts without a submitted
首次注册 (nothing filed, a draft, an application returned by the institution or withdrawn) and
without a practice registration. One SQL statement selects the ids of the due physicians (those
already reminded for the same window and threshold excluded); their contact details are then read
and their reminders written batch by batch.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import AccountStatus, ApplicationStatus, ApplicationType, Channel
from app.domain.errors import RuleViolation
from app.domain.workdays import WorkdayCalendar
from app.models import (
    Application,
    Institution,
    Physician,
    PracticeRegistration,
    Qualification,
    Region,
    RegistrationWindow,
    Reminder,
)
from app.models.reminder import RecipientType, ReminderKind
from app.reminders.store import Candidate, Outgoing, Tally, record_batch
from app.reminders.texts import DaysLeft, chinese_date

log = logging.getLogger(__name__)

THRESHOLDS = (1, 7)  # working days before the window closes, most urgent first
# A first registration in one of these states has been submitted: nothing left to remind of.
SUBMITTED = (
    ApplicationStatus.SUBMITTED, ApplicationStatus.PENDING_ACCEPTANCE, ApplicationStatus.CORRECTION,
    ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED, ApplicationStatus.REFUSED,
    ApplicationStatus.NOT_ACCEPTED,
)
UNFINISHED = (AccountStatus.CREATED, AccountStatus.VERIFIED, AccountStatus.ACTIVE)


def threshold_for(days_left: int) -> int | None:
    """Return the threshold reached with ``days_left`` working days to go (None: not yet)."""
    return next((t for t in THRESHOLDS if days_left <= t), None)


def working_days_left(calendar: WorkdayCalendar, today: dt.date, closes_on: dt.date,
                      cap: int = max(THRESHOLDS)) -> int:
    """Count the working days in (today, closes_on], stopping once there are more than ``cap``.

    The calendar is read only as far as the count needs: a window closing next year is not refused
    for that year's missing calendar while weeks of known working days still lie ahead.
    """
    count, day = 0, today
    while day < closes_on and count <= cap:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def window_key(window_id: int, threshold: int) -> str:
    """Name the occasion of a window reminder: the window and the threshold."""
    return f"w{window_id}-{threshold}"


def open_windows(session: Session, today: dt.date) -> list[RegistrationWindow]:
    """Return the windows open on ``today``."""
    return list(session.scalars(
        select(RegistrationWindow)
        .where(RegistrationWindow.opens_on <= today, RegistrationWindow.closes_on >= today)
        .order_by(RegistrationWindow.id)
    ))


def due_physicians(window: RegistrationWindow, key: str):
    """The statement selecting the ids of the physicians of ``window`` due a reminder under ``key``."""
    p, a = Physician, Application
    of_cohort = exists().where(
        Qualification.id_number == p.id_number, Qualification.id_type == p.id_type,
        Qualification.province_code == window.province_code, Qualification.exam_year == window.cohort_year,
    )
    submitted = exists().where(a.physician_id == p.id, a.type == ApplicationType.FIRST, a.status.in_(SUBMITTED))
    registered = exists().where(PracticeRegistration.physician_id == p.id)
    reminded = exists().where(
        Reminder.kind == ReminderKind.WINDOW_CLOSING, Reminder.recipient_type == RecipientType.PHYSICIAN,
        Reminder.recipient_id == p.id, Reminder.key == key,
    )
    return (
        select(p.id)
        .where(p.status.in_(UNFINISHED), of_cohort, ~reminded)
        .where(or_(p.status != AccountStatus.ACTIVE, and_(~submitted, ~registered)))
        .order_by(p.id)
    )


def physician_details(ids: list[int]):
    """The statement reading what the reminders of these physicians need: contacts, institution, a returned application."""
    p, a = Physician, Application
    returned = exists().where(
        a.physician_id == p.id, a.type == ApplicationType.FIRST, a.status == ApplicationStatus.RETURNED)
    return (
        select(p.id, p.status, p.phone, p.phone_verified, p.email, p.email_verified, Institution.name,
               returned.label("returned"))
        .outerjoin(Institution, Institution.id == p.institution_id)
        .where(p.id.in_(ids))
        .order_by(p.id)
    )


def contact(row) -> tuple[str, str] | None:
    """Where to write: the verified phone, else the verified e-mail; an unverified account's own sign-up contact."""
    if row.phone and row.phone_verified:
        return Channel.SMS, row.phone
    if row.email and row.email_verified:
        return Channel.EMAIL, row.email
    if row.status == AccountStatus.CREATED:  # where its sign-up code went: the reminder asks it to verify
        if row.phone:
            return Channel.SMS, row.phone
        if row.email:
            return Channel.EMAIL, row.email
    return None


def next_step(row) -> str:
    """Name what the physician must do next (the template's suffix)."""
    if row.status == AccountStatus.CREATED:
        return "verify"
    if row.status == AccountStatus.VERIFIED:
        return "activate"
    return "resubmit" if row.returned else "submit"


def remind_window(session: Session, window: RegistrationWindow, calendar: WorkdayCalendar, today: dt.date,
                  batch: int, tally: Tally) -> None:
    """Remind the physicians of one open window, if a threshold is reached."""
    region = session.get(Region, window.province_code)
    province = region.name if region else window.province_code
    try:
        left = working_days_left(calendar, today, window.closes_on)
    except RuleViolation as violation:
        year = violation.params.get("year")
        log.error("reminders: window %s (%s, cohort %s, closes %s) skipped: the working-day calendar of %s "
                  "is not entered", window.id, window.province_code, window.cohort_year, window.closes_on, year)
        tally.skipped.append((_l("the window of %(province)s for the %(cohort)s cohort, closing on %(closes)s",
                                 province=province, cohort=window.cohort_year,
                                 closes=window.closes_on.isoformat()), year))
        return
    threshold = threshold_for(left)
    if threshold is None:
        return
    key = window_key(window.id, threshold)
    common = {"cohort": window.cohort_year, "province": province,
              "closes": chinese_date(window.closes_on), "left": DaysLeft(left)}
    due = list(session.scalars(due_physicians(window, key)))
    for start in range(0, len(due), batch):
        candidates = []
        for row in session.execute(physician_details(due[start:start + batch])):
            address = contact(row)
            step = next_step(row)
            params = {**common, "institution": row.name or _l("your institution")}
            messages = [] if address is None else [Outgoing(address[0], address[1], f"reminder_window_{step}", params)]
            candidates.append(Candidate(row.id, messages, step))
        record_batch(session, ReminderKind.WINDOW_CLOSING, RecipientType.PHYSICIAN, key, candidates, tally)
