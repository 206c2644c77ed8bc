import pytest

from app.domain.certificates import (
    QualificationNo,
    validate_practice_certificate_no,
    validate_qualification_certificate_no,
)
from app.domain.enums import Category, PracticeLevel
from app.domain.errors import RuleViolation

ID_NUMBER = "11010519491231002X"
QUALIFICATION_NO = "2023" + "11" + "1" + "10" + ID_NUMBER


def code_of(call, *args) -> str:
    with pytest.raises(RuleViolation) as caught:
        call(*args)
    return caught.value.code


def test_parse_qualification_number():
    assert validate_qualification_certificate_no(QUALIFICATION_NO) == QualificationNo(
        2023, "110000", "1", "10", ID_NUMBER
    )


def test_qualification_number_with_lowercase_x_matches_holder():
    parsed = validate_qualification_certificate_no(
        QUALIFICATION_NO.lower(), "11010519491231002x"
    )
    assert parsed.id_number == ID_NUMBER


@pytest.mark.parametrize(
    "value",
    [
        "",
        QUALIFICATION_NO[:-1],
        QUALIFICATION_NO + "1",
        "X" + QUALIFICATION_NO[1:],
        QUALIFICATION_NO[:20] + "X" + QUALIFICATION_NO[21:],
    ],
)
def test_bad_qualification_number(value):
    assert (
        code_of(validate_qualification_certificate_no, value)
        == "qualification_no_format"
    )


def test_qualification_number_of_someone_else():
    assert (
        code_of(
            validate_qualification_certificate_no,
            QUALIFICATION_NO,
            "110105194912310021",
        )
        == "qualification_no_mismatch"
    )


def test_practice_number():
    assert validate_practice_certificate_no(" 110110000012345 ") == "110110000012345"


@pytest.mark.parametrize(
    "value", ["", "11011000001234", "1101100000123456", "11011000001234X"]
)
def test_bad_practice_number(value):
    assert code_of(validate_practice_certificate_no, value) == "practice_no_format"


def test_practice_no_format():
    from app.domain.certificates import (
        compose_practice_no,
        practice_no_prefix,
        validate_practice_certificate_no,
    )

    prefix = practice_no_prefix(PracticeLevel.PHYSICIAN, Category.CLINICAL, "110000")
    assert prefix == "110110000"
    number = compose_practice_no(prefix, 42)
    assert number == "110110000000042"
    assert validate_practice_certificate_no(number) == number
    assistant = practice_no_prefix(PracticeLevel.ASSISTANT, Category.TCM, "441900")
    assert compose_practice_no(assistant, 999_999) == "220441900999999"
    for bad in (0, 1_000_000):
        with pytest.raises(RuleViolation) as refused:
            compose_practice_no(prefix, bad)
        assert refused.value.code == "practice_serial_exhausted"
    with pytest.raises(RuleViolation):
        practice_no_prefix(PracticeLevel.PHYSICIAN, Category.CLINICAL, "11")
