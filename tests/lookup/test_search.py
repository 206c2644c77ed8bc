"""The written practice location of a result card."""

from __future__ import annotations

from app.lookup.search import location_text
from app.models import Region


def test_location_is_written_with_its_parents_without_placeholders():
    beijing = Region(code="110000", name="北京市", level="province")
    districts = Region(code="110100", name="市辖区", level="prefecture", parent=beijing)
    chaoyang = Region(code="110105", name="朝阳区", level="county", parent=districts)
    guangdong = Region(code="440000", name="广东省", level="province")
    guangzhou = Region(code="440100", name="广州市", level="prefecture", parent=guangdong)
    tianhe = Region(code="440106", name="天河区", level="county", parent=guangzhou)
    assert location_text(beijing) == "北京市"
    assert location_text(chaoyang) == "北京市朝阳区"
    assert location_text(tianhe) == "广东省广州市天河区"
    assert location_text(None) == ""
