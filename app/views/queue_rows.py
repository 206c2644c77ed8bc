"""What a queue row and a detail page show of an application, as ready-made Chinese strings.

A queue page shows 25 rows of eight cells; built here in Python they cost a fraction of the same
work done cell by cell in Jinja (a translated string there is a function call through the
template runtime). The templates only place these strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

from app.domain.enums import ApplicationStatus, ApplicationType
from app.labels import EMPTY, ENUM_LABELS
from app.workflow.progress import Deadline, beijing, deadline_of, waiting_days_since
from app.workflow.transitions import available_actions


@dataclass(frozen=True)
class Badge:
    """A coloured label: its Bootstrap class and its text."""

    css: str
    text: str


@dataclass(frozen=True)
class QueueRow:
    """One application as its queue row shows it."""

    id: int
    number: str
    type: str
    physician: str
    institution: str
    status: str
    waiting: str | None
    waiting_days: int | None
    submitted: str
    created: str
    deadline: Badge | None
    overdue: bool
    selectable: str | None  # the checkbox's accessible label when the user may act on the row
    actions: tuple


def deadline_badge(deadline: Deadline | None) -> Badge | None:
    """Return the label of a running deadline: days left, overdue, or the calendar missing."""
    if deadline is None:
        return None
    if deadline.left is None:
        return Badge("label-default", _("Deadline pending: working-day calendar not entered"))
    if deadline.overdue:
        return Badge("label-danger", _("Overdue by %(days)d working day(s)", days=-deadline.left))
    css = "label-warning" if deadline.left <= 2 else "label-info"
    return Badge(css, _("%(days)d working day(s) left", days=deadline.left))


def queue_rows(rows, calendar, today: dt.date, roles) -> list[QueueRow]:
    """Return the display rows of (application, time of its last event) pairs."""
    types, statuses = ENUM_LABELS[ApplicationType], ENUM_LABELS[ApplicationStatus]
    waiting_text = _("Waiting for %(days)d working day(s)")  # translated once, formatted per row
    select_text = _("Select %(number)s")
    result = []
    for a, last_at in rows:
        deadline = deadline_of(a, calendar, today)
        waiting = waiting_days_since(a.status, last_at, calendar, today)
        actions = tuple(available_actions(a.status, roles))
        result.append(QueueRow(
            id=a.id, number=a.number, type=str(types.get(a.type, a.type)), physician=a.physician.name,
            institution=a.institution.name, status=str(statuses.get(a.status, a.status)),
            waiting=None if waiting is None else waiting_text % {"days": waiting}, waiting_days=waiting,
            submitted=beijing(a.submitted_at).strftime("%Y-%m-%d") if a.submitted_at else EMPTY,
            created=beijing(a.created_at).strftime("%Y-%m-%d %H:%M"),
            deadline=deadline_badge(deadline), overdue=bool(deadline and deadline.overdue),
            selectable=select_text % {"number": a.number} if actions else None, actions=actions,
        ))
    return result

