"""The state machine of 业务申请 (SPEC §3) as data: who may move an application from where to where.

Each row names an action, the states it may start from, the state it leads to, the one role that
may take it and whether a reason is required. Pages and the API ask ``available_actions`` which
buttons to offer; commands call ``transition_for``, which refuses everything the table does not
allow. Nothing else decides whether a status may change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.domain.enums import ApplicationStatus as S
from app.security.roles import COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN


@dataclass(frozen=True)
class Transition:
    """One arrow of the workflow diagram."""

    action: str
    sources: frozenset[S]
    target: S
    role: str
    label: object
    needs_reason: bool = False
    # A source state from which the action first records another action (e.g. approving straight
    # from 待受理 records 受理 and then 准予注册): source -> implied action.
    implies: tuple[tuple[S, str], ...] = ()

    def implied_action(self, source: S) -> str | None:
        """Return the action recorded before this one when starting from ``source``."""
        return dict(self.implies).get(source)


def _t(action, sources, target, role, label, **kw) -> Transition:
    return Transition(action, frozenset(sources), target, role, label, **kw)


WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.PENDING_ACCEPTANCE, S.CORRECTION)

TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", [S.DRAFT], S.SUBMITTED, PHYSICIAN, _l("Submit")),
    _t("resubmit", [S.RETURNED], S.SUBMITTED, PHYSICIAN, _l("Submit again")),
    _t("resubmit_correction", [S.CORRECTION], S.PENDING_ACCEPTANCE, PHYSICIAN, _l("Submit the corrections")),
    _t("withdraw", WITHDRAWABLE, S.WITHDRAWN, PHYSICIAN, _l("Withdraw")),
    _t("confirm", [S.SUBMITTED], S.PENDING_ACCEPTANCE, INSTITUTION_ADMIN, _l("Confirm")),
    _t("return", [S.SUBMITTED], S.RETURNED, INSTITUTION_ADMIN, _l("Return"), needs_reason=True),
    _t("accept", [S.PENDING_ACCEPTANCE], S.ACCEPTED, COMMISSION_REVIEWER, _l("Accept")),
    _t("ask_correction", [S.PENDING_ACCEPTANCE], S.CORRECTION, COMMISSION_REVIEWER,
       _l("Ask for correction"), needs_reason=True),
    _t("not_accept", [S.PENDING_ACCEPTANCE], S.NOT_ACCEPTED, COMMISSION_REVIEWER, _l("Do not accept"),
       needs_reason=True),
    _t("approve", [S.ACCEPTED, S.PENDING_ACCEPTANCE], S.APPROVED, COMMISSION_REVIEWER, _l("Approve"),
       implies=((S.PENDING_ACCEPTANCE, "accept"),)),
    _t("refuse", [S.ACCEPTED], S.REFUSED, COMMISSION_REVIEWER, _l("Refuse registration"), needs_reason=True),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
FINAL_STATES = frozenset(S) - {s for t in TRANSITIONS for s in t.sources}
# Who holds an application in each open state (the timeline's "now with").
HOLDER: dict[S, str] = {
    S.DRAFT: PHYSICIAN,
    S.RETURNED: PHYSICIAN,
    S.CORRECTION: PHYSICIAN,
    S.SUBMITTED: INSTITUTION_ADMIN,
    S.PENDING_ACCEPTANCE: COMMISSION_REVIEWER,
    S.ACCEPTED: COMMISSION_REVIEWER,
}


class TransitionRefused(Exception):
    """The table does not allow this action here: ``code`` says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def available_actions(status: str, roles: set[str] | frozenset[str]) -> list[Transition]:
    """Return the transitions a holder of ``roles`` may take on an application in ``status``."""
    state = S(status)
    return [t for t in TRANSITIONS if state in t.sources and t.role in roles]


def transition_for(action: str, status: str, roles: set[str] | frozenset[str], reason: str | None = None) -> Transition:
    """Return the transition for ``action`` from ``status`` or raise TransitionRefused."""
    transition = BY_ACTION.get(action)
    if transition is None:
        raise TransitionRefused("unknown_action", action=action)
    if transition.role not in roles:
        raise TransitionRefused("action_not_allowed", action=action)
    if S(status) not in transition.sources:
        raise TransitionRefused("already_handled", status=status)
    if transition.needs_reason and not (reason or "").strip():
        raise TransitionRefused("reason_required", action=action)
    return transition
