import pytest

from app.domain.enums import Category
from app.domain.errors import RuleViolation
from app.domain.scopes import (
    CATEGORY_NAMES,
    NATIONAL_SCOPES,
    OTHER_SCOPE_NAME,
    national_scope_codes,
    validate_filing_scopes,
    validate_scope_choice,
)

CLINICAL = national_scope_codes(Category.CLINICAL)


def violation(call, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value


def test_dictionary_shape():
    assert set(CATEGORY_NAMES) == set(Category) == set(NATIONAL_SCOPES)
    assert CATEGORY_NAMES[Category.CLINICAL] == "临床"
    assert len(NATIONAL_SCOPES[Category.CLINICAL]) == 17
    assert NATIONAL_SCOPES[Category.CLINICAL][0] == ("CLN01", "内科专业")
    assert [name for _, name in NATIONAL_SCOPES[Category.TCM]][:6] == [
        "中医专业",
        "中西医结合专业",
        "蒙医专业",
        "藏医专业",
        "维医专业",
        "傣医专业",
    ]
    for scopes in NATIONAL_SCOPES.values():
        assert scopes[-1][1] == OTHER_SCOPE_NAME
        assert all(name.endswith("专业") for _, name in scopes)


def test_codes_unique_across_categories():
    codes = [code for scopes in NATIONAL_SCOPES.values() for code, _ in scopes]
    assert len(codes) == len(set(codes))


def test_valid_choice_keeps_order_and_drops_blanks():
    chosen = ["CLN04", " CLN01 ", "", "CLN11"]
    assert validate_scope_choice(Category.CLINICAL, chosen, CLINICAL) == [
        "CLN04",
        "CLN01",
        "CLN11",
    ]


def test_provincial_extra_is_allowed_when_listed():
    allowed = CLINICAL | {"BJ-CLN-01"}
    assert validate_scope_choice(Category.CLINICAL, ["BJ-CLN-01"], allowed) == [
        "BJ-CLN-01"
    ]


def test_no_scope():
    assert (
        violation(validate_scope_choice, Category.CLINICAL, ["", " "], CLINICAL).code
        == "scope_none"
    )


def test_too_many_scopes():
    error = violation(
        validate_scope_choice,
        Category.CLINICAL,
        ["CLN01", "CLN02", "CLN03", "CLN04"],
        CLINICAL,
    )
    assert (error.code, error.params) == ("scope_too_many", {"maximum": 3})
    assert validate_scope_choice(
        Category.CLINICAL, ["CLN01", "CLN02", "CLN03", "CLN04"], CLINICAL, maximum=4
    )


def test_duplicate_scope():
    error = violation(
        validate_scope_choice, Category.CLINICAL, ["CLN01", "CLN01"], CLINICAL
    )
    assert (error.code, error.params) == ("scope_duplicate", {"code": "CLN01"})


def test_scope_of_another_category():
    error = violation(
        validate_scope_choice, Category.CLINICAL, ["CLN01", "DEN01"], CLINICAL
    )
    assert error.code == "scope_not_allowed"
    assert error.params["code"] == "DEN01"


def test_filing_scopes_subset():
    assert validate_filing_scopes(["CLN02"], ["CLN01", "CLN02"]) == ["CLN02"]
    error = violation(validate_filing_scopes, ["CLN02", "CLN03"], ["CLN01", "CLN02"])
    assert (error.code, error.params) == ("filing_scope_not_subset", {"codes": "CLN03"})
    assert violation(validate_filing_scopes, [], ["CLN01"]).code == "scope_none"
