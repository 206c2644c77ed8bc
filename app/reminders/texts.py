"""The reminders' message texts (Chinese in the outbox, like every notice): templates and their parts."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from app.notify.templates import TEMPLATES

_WINDOW_SUBJECT = _l("First registration closes soon")

TEMPLATES.update({
    # Subjects are fixed texts (the outbox fills only the body); bodies name the dates and the next step.
    # A physician of an open window: one text per next step.
    "reminder_window_verify": (
        _WINDOW_SUBJECT,
        _l("[Physician Registration] First registration for the %(cohort)s exam cohort in %(province)s closes on "
           "%(closes)s (%(left)s). Your account is not verified yet: log in, verify your mobile number or e-mail "
           "address, have your institution activate the account, then submit your first registration "
           "before the closing date."),
    ),
    "reminder_window_activate": (
        _WINDOW_SUBJECT,
        _l("[Physician Registration] First registration for the %(cohort)s exam cohort in %(province)s closes on "
           "%(closes)s (%(left)s). Your account still waits for activation by %(institution)s: contact them to "
           "activate it, then log in and submit your first registration before the closing date."),
    ),
    "reminder_window_submit": (
        _WINDOW_SUBJECT,
        _l("[Physician Registration] First registration for the %(cohort)s exam cohort in %(province)s closes on "
           "%(closes)s (%(left)s). You have not submitted your first registration yet: log in, complete it "
           "(a saved draft continues where you left off) and submit it before the closing date."),
    ),
    "reminder_window_resubmit": (
        _WINDOW_SUBJECT,
        _l("[Physician Registration] First registration for the %(cohort)s exam cohort in %(province)s closes on "
           "%(closes)s (%(left)s). Your application was returned by your institution: log in, correct it as the "
           "institution asks and submit it again before the closing date."),
    ),
    # An institution with applications waiting too long for its confirmation.
    "reminder_confirmation_waiting": (
        _l("Applications wait for your confirmation"),
        _l("[Physician Registration] %(count)d applications have waited for the confirmation of %(institution)s "
           "for more than %(days)d working days (the oldest since %(since)s). Log in and confirm or return them "
           "in the institution's application queue."),
    ),
    # A reviewer's daily digest.
    "reminder_review_digest": (
        _l("Daily digest of applications due"),
        _l("[Physician Registration] Today in %(jurisdiction)s: %(overdue)d applications are past their deadline "
           "and %(due)d more are due by %(horizon)s (%(accept)d to accept, %(decide)d to decide). Log in to the "
           "commission's application queue to handle them."),
    ),
})


def chinese_date(day: dt.date) -> str:
    """Write a date the way a Chinese notice does (2026年12月31日)."""
    return f"{day.year}年{day.month}月{day.day}日"


class DaysLeft:
    """The "N working days left" part, or "today is the last day", rendered in the message language."""

    def __init__(self, days: int) -> None:
        self.days = days

    def __str__(self) -> str:
        if self.days <= 0:
            return str(_l("today is the last day"))
        return str(_l("%(days)d working days left", days=self.days))
