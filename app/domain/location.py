"""Practice location (执业地点) granularity: a province for 执业医师, a county for 执业助理医师."""

from app.domain.enums import PracticeLevel, RegionLevel
from app.domain.errors import RuleViolation
from app.domain.regions import in_jurisdiction, region_level

REQUIRED_LOCATION_LEVELS: dict[PracticeLevel, RegionLevel] = {
    PracticeLevel.PHYSICIAN: RegionLevel.PROVINCE,
    PracticeLevel.ASSISTANT: RegionLevel.COUNTY,
}


def required_location_level(level: PracticeLevel) -> RegionLevel:
    """Return the region level a practice location must have for a practice level."""
    return REQUIRED_LOCATION_LEVELS[PracticeLevel(level)]


def validate_location(
    level: PracticeLevel, location_code: str, institution_region_code: str
) -> None:
    """Raise RuleViolation unless the location has the right level and contains the institution."""
    expected = required_location_level(level)
    if region_level(location_code) is not expected:
        raise RuleViolation("location_wrong_level", expected=expected.value)
    if not in_jurisdiction(location_code, institution_region_code):
        raise RuleViolation(
            "institution_outside_location",
            location=location_code,
            institution_region=institution_region_code,
        )
