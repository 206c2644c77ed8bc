import pickle

import pytest

from app.domain.errors import RuleViolation


def test_rule_violation_carries_code_and_params():
    with pytest.raises(RuleViolation) as caught:
        raise RuleViolation("scope_too_many", maximum=3)
    assert caught.value.code == "scope_too_many"
    assert caught.value.params == {"maximum": 3}
    assert "scope_too_many" in str(caught.value)


def test_rule_violation_without_params():
    error = RuleViolation("id_checksum")
    assert error.params == {}
    assert str(error) == "id_checksum"


def test_rule_violation_survives_pickling():
    error = pickle.loads(pickle.dumps(RuleViolation("scope_not_allowed", code="CLN01")))
    assert (error.code, error.params) == ("scope_not_allowed", {"code": "CLN01"})
