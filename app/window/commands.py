"""Window edits and one-click reminders: the rules, the audit record and the outbox in one place.

``prepare_window`` is what every form that writes a window calls (the FAB window screen calls it
from ``pre_add``/``pre_update``; FAB then commits once). ``remind_waiting`` is a whole command.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import audit
from app.commands import CommandError, register_messages, unit_of_work
from app.domain.enums import Channel, RegionLevel
from app.domain.errors import RuleViolation
from app.domain.regions import province_of, region_level
from app.domain.windows import WindowPlan, check_change, check_plan, default_closes_on
from app.models import Institution, Physician, RegistrationWindow
from app.models.reminder import RecipientType, ReminderKind
from app.notify.templates import TEMPLATES
from app.reminders.store import Candidate, Outgoing, Tally, record_batch
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN
from app.security.scope import Scope
from app.window.funnel import WAITING, waiting_physicians

MESSAGES = {
    "window_dates_reversed": _l("The window must open before it closes (opens %(opens)s, closes %(closes)s)."),
    "window_overlaps": _l(
        "The %(cohort)s cohort of this province already has a window from %(opens)s to %(closes)s that overlaps these dates."),
    "window_exists": _l(
        "The %(cohort)s cohort of this province already has a window (%(opens)s to %(closes)s): change that window instead."),
    "window_closed_reason_required": _l(
        "This window closed on %(closes)s: give the reason for changing it (it is recorded in the audit log)."),
    "window_province_not_allowed": _l("Only the provincial or national health commission sets the windows of a province."),
    "window_opens_required": _l("Enter the day the window opens."),
    "reminder_already_sent": _l("This reminder was already sent today; it can be sent again tomorrow."),
    "reminder_nobody": _l("Nobody is waiting at this stage: no reminder was sent."),
    "reminder_not_allowed": _l("Only the institution's own administrator sends its reminders."),
}
register_messages(MESSAGES, {"window_province_not_allowed": 403, "reminder_not_allowed": 403,
                             "reminder_already_sent": 409})

TEMPLATES.update({
    "window_remind_not_activated": (
        _l("Activate your account for registration"),
        _l("[Physician Registration] %(institution)s reminds you: the %(cohort)s registration window closes on %(closes)s. Finish verifying your contact and ask for your activation code."),
    ),
    "window_remind_no_application": (
        _l("File your first registration"),
        _l("[Physician Registration] %(institution)s reminds you: the %(cohort)s registration window closes on %(closes)s. Log in and submit your first registration."),
    ),
    "window_remind_returned": (
        _l("Your application needs changes"),
        _l("[Physician Registration] %(institution)s reminds you: your first registration was returned or needs corrections. Change it and submit it again before %(closes)s."),
    ),
})
REMINDER_EVENT = "window_reminder"


class WindowError(CommandError):
    """A refused window edit or reminder."""


def _rule(violation: RuleViolation) -> WindowError:
    return WindowError(violation.code, **{k: str(v) for k, v in violation.params.items()})


def may_set_window(scope: Scope, province_code: str | None) -> bool:
    """Tell whether ``scope`` may create or change the windows of a province."""
    if scope.role == ADMIN:
        return True
    if scope.role != COMMISSION_REVIEWER or not province_code:
        return False
    if scope.bounds is None:
        return True
    return region_level(scope.jurisdiction) == RegionLevel.PROVINCE and province_of(scope.jurisdiction) == province_code


def _plan(window: RegistrationWindow) -> WindowPlan:
    return WindowPlan(window.province_code, window.cohort_year, window.opens_on, window.closes_on, window.id)


def saved_plan(window: RegistrationWindow) -> WindowPlan | None:
    """Return the window as saved before the pending changes on the object (None: not saved yet)."""
    if window.id is None:
        return None
    state = sa_inspect(window)

    def saved(name: str):
        history = state.attrs[name].history
        return history.deleted[0] if history.deleted else getattr(window, name)

    return WindowPlan(saved("province_code"), saved("cohort_year"), saved("opens_on"), saved("closes_on"), window.id)


def _detail(before: WindowPlan | None, after: WindowPlan, reason: str | None) -> str:
    with force_locale("zh"):
        text = _("%(cohort)s cohort, %(province)s: %(opens)s to %(closes)s", cohort=after.cohort_year,
                 province=after.province_code, opens=after.opens_on.isoformat(), closes=after.closes_on.isoformat())
        if before is not None:
            text += _(" (was %(opens)s to %(closes)s)", opens=before.opens_on.isoformat(), closes=before.closes_on.isoformat())
        if reason:
            text += _("; reason: %(reason)s", reason=reason.strip())
    return text[:1000]


def prepare_window(session: Session, scope: Scope, actor_id: int | None, window: RegistrationWindow,
                   before: WindowPlan | None, reason: str | None, today: dt.date) -> None:
    """Check a new or changed window (scope, dates, overlap, closed needs reason); add its audit record.

    ``window`` carries the new values (``closes_on`` None: 31 December of its year); ``before`` the
    saved ones (None for a new window). Raises WindowError; never commits.
    """
    province = window.province.code if window.province is not None else window.province_code
    window.province_code = province
    if not may_set_window(scope, province):
        raise WindowError("window_province_not_allowed")
    if window.opens_on is None:
        raise WindowError("window_opens_required")
    window.year = window.year or window.opens_on.year
    window.closes_on = window.closes_on or default_closes_on(window.year)
    window.cohort_year = window.cohort_year or window.year
    after = _plan(window)
    with session.no_autoflush:
        others = session.scalars(select(RegistrationWindow).where(
            RegistrationWindow.province_code == province, RegistrationWindow.cohort_year == window.cohort_year))
        plans = [_plan(w) if w is not window else None for w in others]
    try:
        check_plan(after, [p for p in plans if p is not None and p.id != window.id])
        if before is not None:
            check_change(before, after, today, reason)
    except RuleViolation as violation:
        raise _rule(violation) from None
    if before == after:
        return
    audit.record("window_changed" if before else "window_created", actor_id=actor_id, region_code=province,
                 detail=_detail(before, after, reason), session=session)


def reminder_detail(year: int, bucket: str, count: int) -> str:
    """Return the stored detail of a reminder event (read back by the same-day guard and the audit log)."""
    return f"{year}|{bucket}|{count}"


def _messages(physician: Physician, template: str, params: dict) -> list[Outgoing]:
    """Return the one message of a reminder: by SMS, else by e-mail, else none (unreachable)."""
    if physician.phone:
        return [Outgoing(Channel.SMS, physician.phone, template, params)]
    if physician.email:
        return [Outgoing(Channel.EMAIL, physician.email, template, params)]
    return []


def remind_waiting(scope: Scope, actor_id: int, year: int, bucket: str, closes_on: dt.date | None,
                   today: dt.date) -> int:
    """Remind the institution's cohort physicians waiting in ``bucket``, each once a day per stage; return how many.

    Each physician reminded gets a Reminder record (the cron's mechanism: a unique key per
    physician, stage and day, so a second click or a second machine sends nothing twice); the
    click itself is audited as a security event with the number reached.
    """
    if bucket not in WAITING:
        raise WindowError("reminder_nobody")
    if scope.role != INSTITUTION_ADMIN or scope.institution_id is None:
        raise WindowError("reminder_not_allowed")
    with unit_of_work() as session:
        # the institution row is the lock: two clicks at once send one reminder
        institution = session.scalars(
            select(Institution).where(Institution.id == scope.institution_id).with_for_update()).one()
        physicians: list[Physician] = session.scalars(waiting_physicians(year, institution.id, bucket)).all()
        params = {"institution": institution.name, "cohort": year, "closes": closes_on.isoformat() if closes_on else "--"}
        candidates = [Candidate(physician.id, _messages(physician, f"window_remind_{bucket}", params),
                                detail=f"{year}|{institution.id}") for physician in physicians]
        # one Reminder record per physician and stage a day (app/reminders/store.py): never twice the same day
        tally = Tally()
        record_batch(session, ReminderKind.INSTITUTION_REQUEST, RecipientType.PHYSICIAN,
                     f"{today.isoformat()}:{bucket}", candidates, tally)
        count = tally.sent
        if not count:
            raise WindowError("reminder_already_sent" if tally.already else "reminder_nobody")
        audit.record(REMINDER_EVENT, actor_id=actor_id, institution_id=institution.id,
                     region_code=institution.region_code, detail=reminder_detail(year, bucket, count))
    return count
