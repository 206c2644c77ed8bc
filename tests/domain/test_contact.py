import pytest

from app.domain.contact import validate_email, validate_mobile
from app.domain.errors import RuleViolation


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
    ],
)
def test_valid_mobile(value):
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12812345678",
        "1381234567",
        "138123456789",
        "8613812345678",
        "1381234567a",
        "１３８１２３４５６７８",
    ],
)
def test_invalid_mobile(value):
    with pytest.raises(RuleViolation) as caught:
        validate_mobile(value)
    assert caught.value.code == "mobile_invalid"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhang.san@example.com", "zhang.san@example.com"),
        ("  Zhang.San@Example.COM ", "Zhang.San@example.com"),
        ("li+reg@mail.hospital.org.cn", "li+reg@mail.hospital.org.cn"),
        ("wang_wu@example.xn--fiqs8s", "wang_wu@example.xn--fiqs8s"),
    ],
)
def test_valid_email(value, expected):
    assert validate_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "zhang.san",
        "zhang.san@",
        "@example.com",
        "zhang..san@example.com",
        ".zhang@example.com",
        "zhang san@example.com",
        "zhang@localhost",
        "zhang@example.c",
        "zhang@-example.com",
        "zhang@exa_mple.com",
        "zhang@example..com",
        "张三@example.com",
        "a" * 65 + "@example.com",
        "a@" + ("b" * 63 + ".") * 4 + "com",  # 261 characters
    ],
)
def test_invalid_email(value):
    with pytest.raises(RuleViolation) as caught:
        validate_email(value)
    assert caught.value.code == "email_invalid"
