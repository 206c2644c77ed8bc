"""Practice categories and the national practice-scope dictionary (SPEC §3).

The scope list follows 关于医师执业注册中执业范围的暂行规定 (2001). The Chinese names are the
reference data loaded into the database, not user-interface text. Codes are stable and unique
across categories; provincial extras are data added at run time, not listed here.
"""

from collections.abc import Iterable

from app.domain.enums import Category
from app.domain.errors import RuleViolation

DEFAULT_MAXIMUM_SCOPES = 3
OTHER_SCOPE_NAME = "省级以上卫生行政部门规定的其他专业"

CATEGORY_NAMES: dict[Category, str] = {
    Category.CLINICAL: "临床",
    Category.DENTAL: "口腔",
    Category.PUBLIC_HEALTH: "公共卫生",
    Category.TCM: "中医",
}

NATIONAL_SCOPES: dict[Category, list[tuple[str, str]]] = {
    Category.CLINICAL: [
        ("CLN01", "内科专业"),
        ("CLN02", "外科专业"),
        ("CLN03", "妇产科专业"),
        ("CLN04", "儿科专业"),
        ("CLN05", "眼耳鼻咽喉科专业"),
        ("CLN06", "皮肤病与性病专业"),
        ("CLN07", "精神卫生专业"),
        ("CLN08", "职业病专业"),
        ("CLN09", "医学影像和放射治疗专业"),
        ("CLN10", "医学检验、病理专业"),
        ("CLN11", "全科医学专业"),
        ("CLN12", "急救医学专业"),
        ("CLN13", "康复医学专业"),
        ("CLN14", "预防保健专业"),
        ("CLN15", "特种医学与军事医学专业"),
        ("CLN16", "计划生育技术服务专业"),
        ("CLN99", OTHER_SCOPE_NAME),
    ],
    Category.DENTAL: [
        ("DEN01", "口腔专业"),
        ("DEN99", OTHER_SCOPE_NAME),
    ],
    Category.PUBLIC_HEALTH: [
        ("PUB01", "公共卫生类别专业"),
        ("PUB99", OTHER_SCOPE_NAME),
    ],
    Category.TCM: [
        ("TCM01", "中医专业"),
        ("TCM02", "中西医结合专业"),
        ("TCM03", "蒙医专业"),
        ("TCM04", "藏医专业"),
        ("TCM05", "维医专业"),
        ("TCM06", "傣医专业"),
        ("TCM99", OTHER_SCOPE_NAME),
    ],
}


def national_scope_codes(category: Category) -> set[str]:
    """Return the codes of the national scopes of a category."""
    return {code for code, _name in NATIONAL_SCOPES[category]}


def _cleaned(codes: Iterable[str]) -> list[str]:
    # Forms submit empty strings for unused selects.
    return [code.strip() for code in codes if code and code.strip()]


def validate_scope_choice(
    category: Category,
    chosen_codes: list[str],
    allowed_codes: set[str],
    maximum: int = DEFAULT_MAXIMUM_SCOPES,
) -> list[str]:
    """Return the chosen scope codes in order, or raise RuleViolation if the choice is invalid.

    ``allowed_codes`` are the scopes open to ``category``: its national list plus the extras of
    the practice location's province.
    """
    codes = _cleaned(chosen_codes)
    if not codes:
        raise RuleViolation("scope_none")
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise RuleViolation("scope_duplicate", code=code)
        seen.add(code)
    if len(codes) > maximum:
        raise RuleViolation("scope_too_many", maximum=maximum)
    for code in codes:
        if code not in allowed_codes:
            raise RuleViolation("scope_not_allowed", code=code, category=category.value)
    return codes


def validate_filing_scopes(
    filing_codes: list[str], registration_codes: list[str]
) -> list[str]:
    """Return the filing's scope codes, or raise RuleViolation unless they are registered ones."""
    codes = list(dict.fromkeys(_cleaned(filing_codes)))
    if not codes:
        raise RuleViolation("scope_none")
    extra = [code for code in codes if code not in set(registration_codes)]
    if extra:
        raise RuleViolation("filing_scope_not_subset", codes=", ".join(extra))
    return codes
