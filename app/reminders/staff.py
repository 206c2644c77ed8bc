"""Daily reminders to staff: institutions with applications waiting too long, reviewers with items due.

Both are keyed by the Beijing date, so a second run the same day sends nothing. Counts are
aggregated in SQL (per institution, per region); only the recipients come back to Python.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from app.domain.clock import day_start_utc, to_beijing
from app.domain.enums import ApplicationStatus as S
from app.domain.enums import Channel
from app.domain.errors import RuleViolation
from app.domain.regions import is_national, jurisdiction_bounds
from app.domain.workdays import WorkdayCalendar
from app.models import Application, ApplicationEvent, Institution, Region, RegistryUser, Reminder
from app.models.application import WAITING_STATUSES, waiting_due
from app.models.reminder import RecipientType, ReminderKind
from app.reminders.store import Candidate, Outgoing, Tally, record_batch
from app.reminders.texts import chinese_date
from app.security.roles import COMMISSION_REVIEWER

log = logging.getLogger(__name__)

WAITING_WORKING_DAYS = 3  # an institution is reminded when an application waits longer than this
DUE_WITHIN_WORKING_DAYS = 1  # a reviewer's digest counts what is due by the next working day


def _not_reminded(kind: str, recipient_type: str, recipient_id, key: str):
    return ~exists().where(Reminder.kind == kind, Reminder.recipient_type == recipient_type,
                           Reminder.recipient_id == recipient_id, Reminder.key == key)


def waiting_cutoff(calendar: WorkdayCalendar, today: dt.date, days: int = WAITING_WORKING_DAYS) -> dt.datetime:
    """Return the time before which the last event must lie for ``waiting_days`` to exceed ``days``.

    ``waiting_days`` counts the working days in (the Beijing day of the last event, today]; that
    exceeds ``days`` exactly when the event's day is before the working day ``days`` back.
    """
    return day_start_utc(calendar.add_working_days(today, -days))


def remind_institutions(session: Session, calendar: WorkdayCalendar, today: dt.date, batch: int,
                        tally: Tally) -> None:
    """Tell each institution, once a day, how many applications wait for its confirmation too long."""
    try:
        cutoff = waiting_cutoff(calendar, today)
    except RuleViolation as violation:
        year = violation.params.get("year")
        log.error("reminders: institution reminders skipped: the working-day calendar of %s is not entered", year)
        tally.skipped.append((_l("the reminders to institutions"), year))
        return
    key = today.isoformat()
    last_event = (select(func.max(ApplicationEvent.created_at))
                  .where(ApplicationEvent.application_id == Application.id).scalar_subquery())
    after = 0
    while True:
        waiting = (select(Application.institution_id, last_event.label("last_at"))
                   .where(Application.status == S.SUBMITTED, Application.institution_id > after).subquery())
        statement = (
            select(waiting.c.institution_id, func.count().label("count"), func.min(waiting.c.last_at).label("oldest"))
            .where(waiting.c.last_at < cutoff,
                   _not_reminded(ReminderKind.CONFIRMATION_WAITING, RecipientType.INSTITUTION,
                                 waiting.c.institution_id, key))
            .group_by(waiting.c.institution_id).order_by(waiting.c.institution_id).limit(batch)
        )
        rows = session.execute(statement).all()
        if not rows:
            return
        after = rows[-1].institution_id
        ids = [row.institution_id for row in rows]
        names = dict(session.execute(select(Institution.id, Institution.name).where(Institution.id.in_(ids))).all())
        admins = defaultdict(list)
        for institution_id, email in session.execute(
            select(RegistryUser.institution_id, RegistryUser.email)
            .where(RegistryUser.institution_id.in_(ids), RegistryUser.active.is_(True))
            .order_by(RegistryUser.id)
        ):
            if email:
                admins[institution_id].append(email)
        candidates = []
        for row in rows:
            since = to_beijing(row.oldest).date()
            params = {"count": row.count, "institution": names.get(row.institution_id, ""),
                      "days": WAITING_WORKING_DAYS, "since": chinese_date(since)}
            messages = [Outgoing(Channel.EMAIL, email, "reminder_confirmation_waiting", params)
                        for email in admins[row.institution_id]]
            candidates.append(Candidate(row.institution_id, messages, str(row.count)))
        record_batch(session, ReminderKind.CONFIRMATION_WAITING, RecipientType.INSTITUTION, key, candidates, tally)


def due_by_region(session: Session, today: dt.date, horizon: dt.date) -> list:
    """Count the applications the commission holds that are overdue or due by ``horizon``, per region."""
    due = waiting_due()
    accepting = Application.status == S.PENDING_ACCEPTANCE
    return session.execute(
        select(
            Application.region_code,
            func.sum(case((due < today, 1), else_=0)).label("overdue"),
            func.sum(case((due >= today, 1), else_=0)).label("due"),
            func.sum(case((accepting, 1), else_=0)).label("accept"),
            func.sum(case((accepting, 0), else_=1)).label("decide"),
        )
        .where(Application.status.in_(WAITING_STATUSES), due <= horizon)
        .group_by(Application.region_code)
    ).all()


def _reviewers(key: str):
    return (
        select(RegistryUser.id, RegistryUser.email, RegistryUser.jurisdiction_code)
        .join(assoc_user_role, assoc_user_role.c.user_id == RegistryUser.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name == COMMISSION_REVIEWER, RegistryUser.active.is_(True),
               RegistryUser.jurisdiction_code.is_not(None),
               _not_reminded(ReminderKind.REVIEW_DIGEST, RecipientType.USER, RegistryUser.id, key))
        .order_by(RegistryUser.id)
    )


def _valid_jurisdiction(code: str) -> bool:
    try:
        jurisdiction_bounds(code.strip())
    except RuleViolation:
        return False
    return True


def remind_reviewers(session: Session, calendar: WorkdayCalendar, today: dt.date, batch: int,
                     tally: Tally) -> None:
    """Send each reviewer with anything overdue or due in the jurisdiction one digest a day."""
    try:
        horizon = calendar.add_working_days(today, DUE_WITHIN_WORKING_DAYS)
    except RuleViolation as violation:
        year = violation.params.get("year")
        log.error("reminders: reviewer digests skipped: the working-day calendar of %s is not entered", year)
        tally.skipped.append((_l("the reviewers' daily digests"), year))
        return
    totals = _totals_by_jurisdiction(due_by_region(session, today, horizon))
    if not totals:
        return
    key = today.isoformat()
    reviewers = [r for r in session.execute(_reviewers(key)).all() if _valid_jurisdiction(r.jurisdiction_code)]
    names = dict(session.execute(select(Region.code, Region.name).where(
        Region.code.in_({r.jurisdiction_code.strip() for r in reviewers}))).all())
    candidates = []
    for reviewer in reviewers:
        code = reviewer.jurisdiction_code.strip()
        mine = totals.get(NATIONAL if is_national(code) else code)
        if mine is None:
            continue
        jurisdiction = _l("the whole country") if is_national(code) else names.get(code, code)
        params = {**mine, "jurisdiction": jurisdiction, "horizon": chinese_date(horizon)}
        messages = [Outgoing(Channel.EMAIL, reviewer.email, "reminder_review_digest", params)] if reviewer.email else []
        candidates.append(Candidate(reviewer.id, messages, f"{mine['overdue']}/{mine['due']}"))
    for start in range(0, len(candidates), batch):
        record_batch(session, ReminderKind.REVIEW_DIGEST, RecipientType.USER, key,
                     candidates[start:start + batch], tally)


NATIONAL = "000000"
_FIELDS = ("overdue", "due", "accept", "decide")


def _totals_by_jurisdiction(regions: list) -> dict[str, dict[str, int]]:
    """Add the per-region counts up for every jurisdiction that contains them (the prefix rule of in_jurisdiction)."""
    totals: dict[str, dict[str, int]] = {}
    for row in regions:
        code = row.region_code
        for jurisdiction in {NATIONAL, code[:2] + "0000", code[:4] + "00", code}:
            bucket = totals.setdefault(jurisdiction, dict.fromkeys(_FIELDS, 0))
            for field in _FIELDS:
                bucket[field] += int(getattr(row, field) or 0)
    return totals
