import datetime

import pytest
from stdnum.cn import ric

from app.domain.enums import Gender
from app.domain.errors import RuleViolation
from app.domain.identity import (
    birth_date_from_id,
    gender_from_id,
    id_check_digit,
    normalize_id_number,
    validate_id_number,
)

VALID = "11010519491231002X"


def with_check_digit(first17: str) -> str:
    # stdnum computes the digit differently (base 13); using it cross-checks our weights.
    return first17 + ric.calc_check_digit(first17 + "0")


def code_of(value: str) -> str:
    with pytest.raises(RuleViolation) as caught:
        validate_id_number(value)
    return caught.value.code


def test_valid_number():
    assert validate_id_number(VALID) == VALID


def test_lowercase_x_and_spaces_are_normalised():
    assert normalize_id_number(" 110105 19491231 002x ") == VALID
    assert validate_id_number("11010519491231002x") == VALID


@pytest.mark.parametrize(
    "first17",
    [
        "11010519491231002",
        "36042619910101007",
        "44030420000229123",
        "65010219850615441",
    ],
)
def test_check_digit_matches_stdnum(first17):
    assert id_check_digit(first17) == ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1101051949123100",
        "110105194912310022X",
        "1101051949123100XX",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_wrong_length_or_characters(value):
    assert code_of(value) == "id_length"


def test_wrong_checksum():
    assert code_of("110105194912310021") == "id_checksum"


def test_impossible_birth_date():
    assert code_of(with_check_digit("11010519490231002")) == "id_birth_date"


def test_future_birth_date():
    number = with_check_digit("11010520990101002")
    assert code_of(number) == "id_birth_date"
    today = datetime.date(2099, 6, 1)
    assert validate_id_number(number, today=today) == number


def test_implausibly_old_birth_date():
    assert code_of(with_check_digit("11010518991231002")) == "id_birth_date"


def test_unknown_region():
    assert code_of(with_check_digit("99010519491231002")) == "id_region"
    assert code_of(with_check_digit("11019919491231002")) == "id_region"


def test_abolished_region_is_still_accepted():
    # 110103 崇文区 was merged in 2010; numbers issued there stay valid.
    number = with_check_digit("11010319800101001")
    assert validate_id_number(number) == number


def test_birth_date_and_gender():
    assert birth_date_from_id(VALID) == datetime.date(1949, 12, 31)
    assert gender_from_id(VALID) == Gender.FEMALE  # 17th digit 2
    assert gender_from_id(with_check_digit("11010519491231001")) == Gender.MALE


def test_birth_date_of_malformed_number():
    with pytest.raises(RuleViolation) as caught:
        birth_date_from_id("1101051949")
    assert caught.value.code == "id_length"
    with pytest.raises(RuleViolation) as caught:
        birth_date_from_id("110105194902310021")
    assert caught.value.code == "id_birth_date"
