"""Format checks of 医师资格证书编码 (qualification) and 医师执业证书编码 (practice) numbers."""

import re
from typing import NamedTuple

from app.domain.enums import Category, PracticeLevel
from app.domain.errors import RuleViolation
from app.domain.identity import normalize_id_number

# The level digit and the two category digits inside a qualification certificate number.
LEVEL_DIGIT: dict[PracticeLevel, str] = {PracticeLevel.PHYSICIAN: "1", PracticeLevel.ASSISTANT: "2"}
CATEGORY_DIGITS: dict[Category, str] = {
    Category.CLINICAL: "10",
    Category.TCM: "20",
    Category.DENTAL: "30",
    Category.PUBLIC_HEALTH: "40",
}

# year 4 + province 2 + level 1 + category 2 + the holder's ID number, whose last char may be X.
_QUALIFICATION_NO = re.compile(r"(\d{4})(\d{2})(\d)(\d{2})(\d{17}[\dX])", re.ASCII)
_PRACTICE_NO = re.compile(r"\d{15}", re.ASCII)


class QualificationNo(NamedTuple):
    year: int
    province_code: str
    level_digit: str
    category_digits: str
    id_number: str


def validate_qualification_certificate_no(
    no: str, id_number: str | None = None
) -> QualificationNo:
    """Parse a 27-character qualification certificate number, optionally matching its holder."""
    number = normalize_id_number(no)
    match = _QUALIFICATION_NO.fullmatch(number)
    if match is None:
        raise RuleViolation("qualification_no_format")
    year, province, level, category, holder = match.groups()
    if id_number is not None and holder != normalize_id_number(id_number):
        raise RuleViolation("qualification_no_mismatch")
    return QualificationNo(int(year), province + "0000", level, category, holder)


def compose_qualification_no(
    year: int, province_code: str, level: PracticeLevel, category: Category, id_number: str
) -> str:
    """Compose a 27-character qualification certificate number from its parts."""
    return (
        f"{year:04d}{province_code[:2]}{LEVEL_DIGIT[PracticeLevel(level)]}"
        f"{CATEGORY_DIGITS[Category(category)]}{normalize_id_number(id_number)}"
    )


def validate_practice_certificate_no(no: str) -> str:
    """Return the 15-digit practice certificate number or raise RuleViolation."""
    number = "".join((no or "").split())
    if not _PRACTICE_NO.fullmatch(number):
        raise RuleViolation("practice_no_format")
    return number


# 医师执业证书编码 as issued here (15 digits): level 1 + category 2 + the practice location's region code
# 6 (a province for 执业医师, a county for 执业助理医师) + a serial 6 counted per those first 9 digits.
PRACTICE_SERIAL_DIGITS = 6


def practice_no_prefix(level: PracticeLevel, category: Category, location_code: str) -> str:
    """Return the 9-digit prefix of a new practice certificate number."""
    if not re.fullmatch(r"\d{6}", location_code or "", re.ASCII):
        raise RuleViolation("location_code_format")
    return f"{LEVEL_DIGIT[PracticeLevel(level)]}{CATEGORY_DIGITS[Category(category)]}{location_code}"


def compose_practice_no(prefix: str, serial: int) -> str:
    """Return the 15-digit practice certificate number for the ``serial``-th number of ``prefix``."""
    if not 1 <= serial < 10**PRACTICE_SERIAL_DIGITS:
        raise RuleViolation("practice_serial_exhausted", prefix=prefix)
    return f"{prefix}{serial:0{PRACTICE_SERIAL_DIGITS}d}"
