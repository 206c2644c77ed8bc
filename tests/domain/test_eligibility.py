import datetime

import pytest

from app.domain.eligibility import (
    TrainingProof,
    Window,
    check_training_proof,
    check_window,
    months_between,
    needs_training_proof,
)
from app.domain.errors import RuleViolation

D = datetime.date
WINDOWS = [Window(2025, D(2025, 10, 10), D(2025, 12, 31)), Window(2026, D(2026, 10, 15), D(2026, 12, 31))]


def code(call, *args):
    with pytest.raises(RuleViolation) as refused:
        call(*args)
    return refused.value


@pytest.mark.parametrize("today", [D(2026, 10, 15), D(2026, 11, 29), D(2026, 12, 31)])
def test_window_open(today):
    check_window(2026, WINDOWS, today)


def test_window_before_and_after():
    early = code(check_window, 2026, WINDOWS, D(2026, 10, 14))
    assert early.code == "window_not_open" and early.params["opens"] == D(2026, 10, 15)
    assert code(check_window, 2026, WINDOWS, D(2027, 1, 1)).code == "window_closed"


def test_earlier_cohorts_any_time_and_unknown_cohorts_refused():
    check_window(2025, WINDOWS, D(2027, 6, 1))
    check_window(2019, WINDOWS, D(2027, 6, 1))
    assert code(check_window, 2027, WINDOWS, D(2027, 11, 1)).code == "window_not_set"
    assert code(check_window, 2026, [], D(2026, 11, 1)).code == "window_not_set"


def test_two_year_rule_boundary():
    assert not needs_training_proof(D(2024, 11, 30), D(2026, 11, 29))
    assert needs_training_proof(D(2024, 11, 29), D(2026, 11, 29))
    assert needs_training_proof(D(2024, 2, 29), D(2026, 2, 28))


GOOD = TrainingProof("北京协和医院", D(2026, 3, 1), D(2026, 6, 1), D(2026, 6, 15), "cert.pdf")


def test_training_proof_complete():
    check_training_proof(GOOD, D(2026, 11, 29))


def test_training_proof_refusals():
    assert code(check_training_proof, None, D(2026, 11, 29)).code == "training_required"
    empty = TrainingProof("", None, D(2026, 6, 1), None, None)
    refused = code(check_training_proof, empty, D(2026, 11, 29))
    assert refused.code == "training_incomplete"
    assert refused.params["missing"] == ["institution", "started_on", "assessed_on", "certificate"]
    short = TrainingProof("甲", D(2026, 3, 2), D(2026, 6, 1), D(2026, 6, 15), "c")
    assert code(check_training_proof, short, D(2026, 11, 29)).code == "training_too_short"
    reversed_ = TrainingProof("甲", D(2026, 6, 1), D(2026, 3, 1), D(2026, 6, 15), "c")
    assert code(check_training_proof, reversed_, D(2026, 11, 29)).code == "training_dates_reversed"
    future = TrainingProof("甲", D(2026, 3, 1), D(2026, 6, 1), D(2026, 12, 1), "c")
    assert code(check_training_proof, future, D(2026, 11, 29)).code == "training_assessment_date"
    check_training_proof(GOOD, D(2026, 11, 29), minimum_months=3)
    assert code(check_training_proof, GOOD, D(2026, 11, 29), 6).code == "training_too_short"


def test_months_between():
    assert months_between(D(2026, 1, 31), D(2026, 4, 30)) == 2
    assert months_between(D(2026, 1, 15), D(2026, 4, 15)) == 3
