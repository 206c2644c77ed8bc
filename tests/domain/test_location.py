import pytest

from app.domain.enums import PracticeLevel, RegionLevel
from app.domain.errors import RuleViolation
from app.domain.location import required_location_level, validate_location


def violation(*args) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        validate_location(*args)
    return caught.value


def test_required_levels():
    assert required_location_level(PracticeLevel.PHYSICIAN) is RegionLevel.PROVINCE
    assert required_location_level(PracticeLevel.ASSISTANT) is RegionLevel.COUNTY


def test_physician_location_is_a_province():
    validate_location(PracticeLevel.PHYSICIAN, "110000", "110105")
    for location in ["110100", "110105"]:
        error = violation(PracticeLevel.PHYSICIAN, location, "110105")
        assert (error.code, error.params) == (
            "location_wrong_level",
            {"expected": "province"},
        )


def test_assistant_location_is_a_county():
    validate_location(PracticeLevel.ASSISTANT, "110105", "110105")
    for location in ["110000", "110100"]:
        error = violation(PracticeLevel.ASSISTANT, location, "110105")
        assert (error.code, error.params) == (
            "location_wrong_level",
            {"expected": "county"},
        )


def test_institution_must_be_inside_location():
    assert (
        violation(PracticeLevel.PHYSICIAN, "120000", "110105").code
        == "institution_outside_location"
    )
    assert (
        violation(PracticeLevel.ASSISTANT, "110106", "110105").code
        == "institution_outside_location"
    )
