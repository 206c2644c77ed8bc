"""The masked name of the public check page."""

import pytest

from app.documents.verification import mask_name


@pytest.mark.parametrize(("name", "masked"), [
    ("张明", "张*"), ("李芳", "李*"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("司马相如", "司马**"),
    ("欧阳", "欧*"), ("李", "李"), ("", ""), (None, ""), (" 张明 ", "张*"), ("阿卜杜热合曼·买买提", "阿*********"),
])
def test_mask_name_keeps_only_the_surname(name, masked):
    assert mask_name(name) == masked
