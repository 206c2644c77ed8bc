from collections import Counter

import pytest

from app.domain.enums import RegionLevel
from app.domain.errors import RuleViolation
from app.domain.regions import (
    in_jurisdiction,
    jurisdiction_bounds,
    known_region_codes,
    load_gbt2260,
    parse_loc_dat,
    prefecture_of,
    province_of,
    region_level,
)


@pytest.fixture(scope="module")
def records():
    return {record.code: record for record in load_gbt2260()}


def test_region_level():
    assert region_level("110000") is RegionLevel.PROVINCE
    assert region_level("110100") is RegionLevel.PREFECTURE
    assert region_level("110105") is RegionLevel.COUNTY


@pytest.mark.parametrize(
    "code", ["", "000000", "11000", "1100000", "11000a", "１１００００"]
)
def test_bad_region_codes(code):
    with pytest.raises(RuleViolation) as caught:
        region_level(code)
    assert caught.value.code == "region_code_format"


def test_province_and_prefecture_of():
    assert province_of("110105") == "110000"
    assert province_of("110000") == "110000"
    assert prefecture_of("110105") == "110100"
    assert prefecture_of("110100") == "110100"
    assert prefecture_of("110000") is None


@pytest.mark.parametrize(
    ("code", "bounds"),
    [
        (None, None),
        ("", None),
        ("000000", None),
        ("110000", ("110000", "119999")),
        ("110100", ("110100", "110199")),
        ("110105", ("110105", "110105")),
    ],
)
def test_jurisdiction_bounds(code, bounds):
    assert jurisdiction_bounds(code) == bounds


@pytest.mark.parametrize(
    ("jurisdiction", "region", "inside"),
    [
        (None, "650102", True),
        ("000000", "110105", True),
        ("110000", "110105", True),
        ("110000", "110000", True),
        ("110000", "120101", False),
        ("110100", "110105", True),
        ("110100", "110229", False),
        ("110105", "110105", True),
        ("110105", "110106", False),
        ("110000", None, False),
        ("110000", "11", False),
    ],
)
def test_in_jurisdiction(jurisdiction, region, inside):
    assert in_jurisdiction(jurisdiction, region) is inside


def test_in_jurisdiction_agrees_with_bounds(records):
    for jurisdiction in ["110000", "110100", "110105", "440300", "650000"]:
        low, high = jurisdiction_bounds(jurisdiction)
        for code in records:
            assert in_jurisdiction(jurisdiction, code) is (low <= code <= high)


def test_load_counts(records):
    active = Counter(r.level for r in records.values() if r.active)
    assert active[RegionLevel.PROVINCE] == 34
    assert 330 <= active[RegionLevel.PREFECTURE] <= 360
    assert 3000 <= active[RegionLevel.COUNTY] <= 3300


def test_no_code_emitted_twice():
    codes = [record.code for record in load_gbt2260()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)


def test_province_record_is_merged_with_its_0000_line(records):
    beijing = records["110000"]
    assert (beijing.name, beijing.level, beijing.parent_code, beijing.active) == (
        "北京市",
        RegionLevel.PROVINCE,
        None,
        True,
    )
    assert records["810000"].name == "香港特别行政区"


def test_county_parent_and_name(records):
    chaoyang = records["110105"]
    assert (chaoyang.name, chaoyang.level, chaoyang.parent_code, chaoyang.active) == (
        "朝阳区",
        RegionLevel.COUNTY,
        "110100",
        True,
    )
    assert records["110100"].parent_code == "110000"


def test_validity_prefixes(records):
    assert (records["110103"].name, records["110103"].active) == ("崇文区", False)
    assert (records["110111"].name, records["110111"].active) == ("房山区", True)
    # "[-1991]东郊区,[1992-]东丽区": the current name wins.
    assert (records["120110"].name, records["120110"].active) == ("东丽区", True)
    # "[-1980]黔阳地区,[1981-1996]怀化地区": abolished, the latest name wins.
    assert (records["433000"].name, records["433000"].active) == ("怀化地区", False)


def test_names_and_parents_are_consistent(records):
    for record in records.values():
        assert record.name and "[" not in record.name and "," not in record.name
        assert record.level is region_level(record.code)
        if record.parent_code is not None:
            assert record.parent_code in records
            assert in_jurisdiction(record.parent_code, record.code)


def test_known_region_codes_include_abolished_ones():
    assert {"110105", "110103", "110000"} <= known_region_codes()
    assert "990000" not in known_region_codes()


def test_parse_merges_repeated_codes_and_resolves_parents():
    text = """\
# comment
99 province="测试省"
  0000 county="测试省"
  0101 county="[-2000]旧区"
  0101 county="[2001-]新区"
  0102 county="[-1990]甲县,[1991-1999]乙县"
  0102 county="[-1985]丙县"
  0200 county="某市"
  0201 county="某区"
"""
    records = {record.code: record for record in parse_loc_dat(text)}
    assert sorted(records) == ["990000", "990101", "990102", "990200", "990201"]
    assert (records["990101"].name, records["990101"].active) == ("新区", True)
    assert (records["990102"].name, records["990102"].active) == ("乙县", False)
    # No 990100 line, so the county hangs directly under its province.
    assert records["990101"].parent_code == "990000"
    assert records["990201"].parent_code == "990200"
    assert records["990200"].parent_code == "990000"
