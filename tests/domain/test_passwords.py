import pytest

from app.domain.passwords import (
    COMPLEXITY_MESSAGE,
    password_problems,
    validate_password_complexity,
)


@pytest.mark.parametrize(
    "password",
    ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Zz9!" * 16, "中文Abc12345"],
)
def test_good_passwords(password):
    assert password_problems(password) == []
    validate_password_complexity(password)


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Ab1!", ["too_short"]),
        ("", ["too_short", "too_few_classes"]),
        ("Zz9!" * 16 + "x", ["too_long"]),
        ("abcdefgh1", ["too_few_classes"]),
        ("ABCDEFGH!", ["too_few_classes"]),
        ("Abc 12345", ["whitespace"]),
        ("abc\tdefgh", ["too_few_classes", "whitespace"]),
    ],
)
def test_bad_passwords(password, problems):
    assert password_problems(password) == problems


def test_validator_raises_fab_exception():
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    with pytest.raises(PasswordComplexityValidationError) as caught:
        validate_password_complexity("password")
    assert str(caught.value) == COMPLEXITY_MESSAGE
