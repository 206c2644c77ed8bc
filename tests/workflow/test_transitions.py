"""The transition table: every (action, state, role) is allowed exactly where SPEC §3 draws an arrow."""

import itertools

import pytest

from app.domain.enums import ApplicationStatus as S
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN
from app.workflow.transitions import (
    BY_ACTION,
    FINAL_STATES,
    HOLDER,
    TRANSITIONS,
    TransitionRefused,
    available_actions,
    transition_for,
)

ROLES = (PHYSICIAN, INSTITUTION_ADMIN, COMMISSION_REVIEWER, ADMIN)
# The arrows of SPEC §3, written independently of the table: (action, from, to, role).
SPEC_ARROWS = {
    ("submit", S.DRAFT, S.SUBMITTED, PHYSICIAN),
    ("confirm", S.SUBMITTED, S.PENDING_ACCEPTANCE, INSTITUTION_ADMIN),
    ("return", S.SUBMITTED, S.RETURNED, INSTITUTION_ADMIN),
    ("resubmit", S.RETURNED, S.SUBMITTED, PHYSICIAN),
    ("accept", S.PENDING_ACCEPTANCE, S.ACCEPTED, COMMISSION_REVIEWER),
    ("ask_correction", S.PENDING_ACCEPTANCE, S.CORRECTION, COMMISSION_REVIEWER),
    ("resubmit_correction", S.CORRECTION, S.PENDING_ACCEPTANCE, PHYSICIAN),
    ("not_accept", S.PENDING_ACCEPTANCE, S.NOT_ACCEPTED, COMMISSION_REVIEWER),
    ("approve", S.ACCEPTED, S.APPROVED, COMMISSION_REVIEWER),
    ("approve", S.PENDING_ACCEPTANCE, S.APPROVED, COMMISSION_REVIEWER),
    ("refuse", S.ACCEPTED, S.REFUSED, COMMISSION_REVIEWER),
    *(("withdraw", s, S.WITHDRAWN, PHYSICIAN)
      for s in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.PENDING_ACCEPTANCE, S.CORRECTION)),
}
NEEDS_REASON = {"return", "ask_correction", "not_accept", "refuse"}


@pytest.mark.parametrize(
    "action,status,role", list(itertools.product(sorted(BY_ACTION), list(S), ROLES))
)
def test_every_action_state_role(action, status, role):
    allowed = {(a, s, r) for a, s, _t, r in SPEC_ARROWS}
    reason = "材料不全" if action in NEEDS_REASON else None
    if (action, status, role) in allowed:
        transition = transition_for(action, status, {role}, reason)
        assert (action, status, transition.target, role) in SPEC_ARROWS
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition_for(action, status, {role}, reason)
        expected = "action_not_allowed" if BY_ACTION[action].role != role else "already_handled"
        assert refused.value.code == expected


def test_table_draws_exactly_the_spec_arrows():
    drawn = {(t.action, s, t.target, t.role) for t in TRANSITIONS for s in t.sources}
    assert drawn == SPEC_ARROWS


@pytest.mark.parametrize("action", sorted(NEEDS_REASON))
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_required(action, reason):
    transition = BY_ACTION[action]
    source = sorted(transition.sources)[0]
    with pytest.raises(TransitionRefused) as refused:
        transition_for(action, source, {transition.role}, reason)
    assert refused.value.code == "reason_required"


def test_unknown_action():
    with pytest.raises(TransitionRefused) as refused:
        transition_for("delete", S.DRAFT, {ADMIN})
    assert refused.value.code == "unknown_action"


def test_available_actions_per_role():
    assert [t.action for t in available_actions(S.SUBMITTED, {INSTITUTION_ADMIN})] == ["confirm", "return"]
    assert {t.action for t in available_actions(S.PENDING_ACCEPTANCE, {COMMISSION_REVIEWER})} == {
        "accept", "ask_correction", "not_accept", "approve"}
    assert available_actions(S.APPROVED, {PHYSICIAN, INSTITUTION_ADMIN, COMMISSION_REVIEWER}) == []


def test_final_states_and_holders():
    assert FINAL_STATES == {S.APPROVED, S.REFUSED, S.NOT_ACCEPTED, S.WITHDRAWN}
    assert set(HOLDER) == set(S) - FINAL_STATES


def test_approve_from_pending_acceptance_implies_accept():
    approve = BY_ACTION["approve"]
    assert approve.implied_action(S.PENDING_ACCEPTANCE) == "accept"
    assert approve.implied_action(S.ACCEPTED) is None
