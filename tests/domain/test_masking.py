import pytest

from app.domain.masking import mask_email, mask_id_number, mask_phone


def visible(masked: str) -> int:
    return sum(1 for char in masked if char != "*")


def test_mask_id_number():
    assert mask_id_number("11010519491231002X") == "1101**********002X"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"


def test_mask_email():
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_email("ab@example.com") == "a***@example.com"
    assert mask_email("a@example.com") == "***@example.com"


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_email])
@pytest.mark.parametrize("value", [None, ""])
def test_empty_values(mask, value):
    assert mask(value) == ""


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone])
@pytest.mark.parametrize(
    "value", ["1", "12", "123", "1234567", "110105", "0755-1234567", "A1234567"]
)
def test_odd_values_never_show_more_than_half(mask, value):
    masked = mask(value)
    assert len(masked) == len(value)
    assert visible(masked) <= len(value) // 2


def test_odd_email_never_shows_more_than_half():
    for value in ["x", "xy", "not-an-email"]:
        assert visible(mask_email(value)) <= len(value) // 2
