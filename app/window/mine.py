"""What a physician sees of the window: their province's window, their eligibility and the one next step.

The same facts feed the 个人中心 panel and GET /api/v1/account/window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import windows as rules
from app.domain.eligibility import Window, check_window, needs_training_proof
from app.domain.enums import OPEN_APPLICATION_STATUSES, ApplicationType, RegistrationStatus
from app.domain.errors import RuleViolation
from app.models import Application, Physician, PracticeRegistration, Qualification, RegistrationWindow
from app.window.board import ProvinceRow, window_row
from app.workflow.progress import beijing

NEXT_STEPS = {
    rules.REGISTERED: _l("You are registered: nothing to do now."),
    rules.CONTACT_INSTITUTION: _l("Your account is disabled: contact your institution's registration office."),
    rules.VERIFY_CONTACT: _l("Verify your mobile number (or e-mail address)."),
    rules.AWAIT_ACTIVATION: _l("Ask your institution for your activation code and activate your account."),
    rules.CONTINUE_DRAFT: _l("Finish and submit your first registration (your draft is saved)."),
    rules.REVISE_APPLICATION: _l("Your first registration was returned: change it as asked and submit it again."),
    rules.WAIT_FOR_REVIEW: _l("Your first registration is being reviewed: follow its progress."),
    rules.WAIT_FOR_WINDOW: _l("Wait for your province's registration window to open, then file your first registration."),
    rules.WINDOW_CLOSED: _l("Your province's window for your cohort has closed: ask your provincial health commission how to register."),
    rules.FILE_FIRST: _l("File your first practice registration now."),
}
MISSING = {
    "contact_not_verified": _l("Your mobile number or e-mail address is not verified."),
    "account_not_active": _l("Your account is not activated by your institution yet."),
    "account_disabled": _l("Your account is disabled."),
    "window_not_set": _l("Your province has not published the window of your cohort yet."),
    "window_not_open": _l("The window of your cohort is not open yet."),
    "window_closed": _l("The window of your cohort has closed."),
    "training_proof": _l("The 2-year rule applies: proof of training and a passed assessment are required."),
}


@dataclass
class MyWindow:
    """The physician's window, eligibility and next step."""

    cohort_year: int | None
    row: ProvinceRow | None
    accounts_open_on: dt.date | None
    account_created_on: dt.date | None
    activated_on: dt.date | None
    qualified_on: dt.date | None
    two_year_rule: bool
    two_year_rule_from: dt.date | None
    missing: list[str] = field(default_factory=list)
    next_step: str = rules.FILE_FIRST
    application: Application | None = None
    any_time: bool = False  # an earlier cohort than the newest windowed one: files at any time

    def as_json(self) -> dict:
        """Describe it for the JSON API (dates as ISO strings, Chinese texts beside the codes)."""
        def day(value):
            return value.isoformat() if value else None
        window = self.row.window if self.row else None
        return {
            "cohort_year": self.cohort_year,
            "province_code": self.row.code if self.row else None,
            "province": self.row.name if self.row else None,
            "window": None if window is None else {
                "opens_on": day(window.opens_on), "closes_on": day(window.closes_on), "state": str(self.row.state),
                "working_days_left": self.row.days_left, "calendar_year_missing": self.row.unknown_year,
            },
            "accounts_open_on": day(self.accounts_open_on), "account_created_on": day(self.account_created_on),
            "activated_on": day(self.activated_on), "qualified_on": day(self.qualified_on),
            "files_any_time": self.any_time, "two_year_rule": self.two_year_rule, "two_year_rule_from": day(self.two_year_rule_from),
            "missing": [{"code": code, "message": str(MISSING[code])} for code in self.missing],
            "next_step": {"code": self.next_step, "message": str(NEXT_STEPS[self.next_step]),
                          "application_id": self.application.id if self.application else None,
                          "application_number": self.application.number if self.application else None},
        }


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def my_window(session: Session, physician: Physician, today: dt.date) -> MyWindow:
    """Gather the physician's window facts (a handful of statements) and decide the next step."""
    qualifications = session.scalars(select(Qualification).where(
        Qualification.id_number == physician.id_number, Qualification.id_type == physician.id_type)
        .order_by(Qualification.exam_year.desc())).all()
    newest = qualifications[0] if qualifications else None
    province = (physician.region_code[:2] + "0000") if physician.region_code else (newest and newest.province_code)
    registered = session.scalar(select(PracticeRegistration.id).where(
        PracticeRegistration.physician_id == physician.id,
        PracticeRegistration.status != RegistrationStatus.CANCELLED).limit(1)) is not None
    application = session.scalars(select(Application).where(
        Application.physician_id == physician.id, Application.type == ApplicationType.FIRST,
        Application.status.in_(OPEN_APPLICATION_STATUSES)).order_by(Application.id.desc()).limit(1)).first()
    row = window_row(session, province, newest.exam_year, today) if newest and province else None
    refusal, any_time = None, False
    if newest and province:
        windows = [Window(w.cohort_year, w.opens_on, w.closes_on) for w in session.scalars(
            select(RegistrationWindow).where(RegistrationWindow.province_code == province))]
        any_time = any(w.cohort_year > newest.exam_year for w in windows)
        try:
            check_window(newest.exam_year, windows, today)
        except RuleViolation as violation:
            refusal = violation.code
    qualified_on = (newest.issued_on or newest.published_on) if newest else None
    delay = dt.timedelta(days=current_app.config["ACCOUNT_OPENING_DELAY_DAYS"])
    two_year = bool(qualified_on) and needs_training_proof(qualified_on, today)
    missing = {"created": ["contact_not_verified", "account_not_active"], "verified": ["account_not_active"],
               "disabled": ["account_disabled"]}.get(physician.status, [])
    if not registered:
        missing += [refusal] if refusal else []
        missing += ["training_proof"] if two_year else []
    return MyWindow(
        cohort_year=newest.exam_year if newest else None, row=row,
        accounts_open_on=min(q.published_on for q in qualifications) + delay if qualifications else None,
        account_created_on=beijing(physician.created_at).date() if physician.created_at else None,
        activated_on=beijing(physician.activated_at).date() if physician.activated_at else None,
        qualified_on=qualified_on, two_year_rule=two_year,
        two_year_rule_from=_years_later(qualified_on, 2) if qualified_on else None,
        missing=missing,
        next_step=rules.next_step_for(physician.status, registered, application.status if application else None, refusal),
        application=application, any_time=any_time,
    )
