"""定期考核 screens and 暂停执业: a reviewer's 不合格 suspends the registration in the same transaction.

SPEC §5: institutions record results, reviewers see and correct them, 不合格 suspends practice for
3 to 6 months. The suspension is the commission's decision (医师法 §42), so a 不合格 periodic result
is entered or corrected by a reviewer, who chooses the end date; institutions record the others.
"""

from __future__ import annotations

from flask import flash, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect

from app.domain.enums import AssessmentResult
from app.extensions import db
from app.security.guards import ScopeViolation
from app.security.scope import current_scope
from app.workflow.commands import Actor
from app.workflow.errors import WorkflowError
from app.workflow.measures import apply_assessment, remove_assessment

SUSPENSION_HELP = _l(
    "Only for a failed periodic assessment: practice is suspended until this day, 3 to 6 months from today "
    "(left blank: 3 months). Leave it blank for other results."
)
RESULT_HELP_INSTITUTION = _l(
    "A failed periodic assessment is entered by the health commission, which decides the suspension: report it there."
)


def old_value(item, name: str):
    """Return the value an attribute had before the form changed it."""
    history = sa_inspect(item).attrs[name].history
    values = history.deleted or history.unchanged
    return values[0] if values else None


def _actor() -> Actor:
    return Actor(g.user.id, current_scope())


class CommissionAssessmentMixin:
    """Hooks of the commission's assessment screen: suspend, re-date or reinstate with the save."""

    def measure_on_save(self, item, before=None) -> None:
        """Apply the assessment's consequence to the registration; refuse the save with its message."""
        try:
            outcome = apply_assessment(db.session, _actor(), item, before)
        except WorkflowError as error:
            raise ScopeViolation(error.message) from None
        g.assessment_outcome = (outcome, item)

    def before_correction(self, item) -> tuple:
        """Return the (result, kind, suspended_until) the row had before this edit."""
        return old_value(item, "result"), old_value(item, "kind"), old_value(item, "suspended_until")

    def pre_delete(self, item) -> None:
        """Deleting a failed result ends the suspension it ordered."""
        try:
            outcome = remove_assessment(db.session, _actor(), item)
        except WorkflowError as error:
            raise ScopeViolation(error.message) from None
        g.assessment_outcome = (outcome, item)

    def post_add(self, item) -> None:
        """Say what happened to the registration."""
        outcome, assessment = g.pop("assessment_outcome", (None, None))
        if outcome == "suspended":
            flash(_("The practice registration is suspended until %(date)s; the physician and the institution were notified.",
                    date=assessment.suspended_until.isoformat()), "info")
        elif outcome == "reinstated":
            flash(_("The suspension this assessment had ordered has ended; the physician was notified."), "info")
        elif outcome == "no_registration":
            flash(_("The physician has no valid practice registration: nothing was suspended."), "warning")

    post_update = post_add
    post_delete = post_add


def refuse_failed_by_institution(item, was_failed: bool = False) -> None:
    """Refuse an institution's 不合格 (or a change to one): the commission enters it with the suspension."""
    if item.result == AssessmentResult.FAILED or was_failed:
        raise ScopeViolation(WorkflowError("failed_by_commission").message)
    item.suspended_until = None
