"""GB/T 2260 administrative division codes: levels, jurisdictions and the bundled code list.

Codes are six digits ``PPCCXX``: ``PP0000`` is a province, ``PPCC00`` a prefecture and anything
else a county. A jurisdiction is a code prefix, so it maps to an inclusive string range that an
index can serve with ``BETWEEN``; the national jurisdiction is ``None``, ``""`` or ``"000000"``.

``load_gbt2260`` reads the list python-stdnum bundles (``stdnum/cn/loc.dat``, compiled from
Wikipedia's history of the codes since 1980). Choices made while reading it:

* The province line (``11 province="北京市"``) and its ``  0000 county=...`` line describe the
  same region; one record is emitted, named after the ``0000`` line because that one is in
  simplified characters (the province lines of Hong Kong and Macao are traditional).
* A name may list its history, e.g. ``[-1991]东郊区,[1992-]东丽区`` or ``[-2010]崇文区``. The
  record takes the current name (the variant without an end year) or, for an abolished code,
  the latest one; ``active`` means some variant has no end year. The ``[from-to]`` prefixes
  are dropped from names.
* Codes listed more than once are merged the same way (the active / latest variant wins).
* Placeholders at prefecture level (``市辖区``, ``县``, ``省直辖县级行政单位``) are kept as
  given: they are real GB/T 2260 codes, and institutions may carry them.
* ``parent_code``: a prefecture's parent is its province; a county's parent is its prefecture
  when that code exists in the data (even if abolished), otherwise its province; a province has
  none. Abolished codes are kept (``active=False``) because old ID numbers and records use them.
"""

import re
from collections.abc import Container
from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.domain.enums import RegionLevel
from app.domain.errors import RuleViolation

NATIONAL_CODES = frozenset({"", "000000"})

_CODE = re.compile(r"\d{6}", re.ASCII)
_LINE = re.compile(
    r'^(?P<indent>\s*)(?P<code>\d+) (?:province|county)="(?P<names>[^"]*)"$'
)
_VARIANT = re.compile(r"^\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>.*)$")


@dataclass(frozen=True)
class RegionRecord:
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    active: bool


def _checked(code: str) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code) or code == "000000":
        raise RuleViolation("region_code_format", code=code)
    return code


def region_level(code: str) -> RegionLevel:
    """Return the level of a six-digit region code."""
    _checked(code)
    if code[2:] == "0000":
        return RegionLevel.PROVINCE
    if code[4:] == "00":
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


def province_of(code: str) -> str:
    """Return the province code that contains a region."""
    return _checked(code)[:2] + "0000"


def prefecture_of(code: str) -> str | None:
    """Return the prefecture code that contains a region, or None for a province."""
    if region_level(code) is RegionLevel.PROVINCE:
        return None
    return code[:4] + "00"


def is_national(code: str | None) -> bool:
    """Tell whether a jurisdiction code stands for the whole country."""
    return code is None or code in NATIONAL_CODES


def jurisdiction_bounds(code: str | None) -> tuple[str, str] | None:
    """Return inclusive (low, high) region codes covered by a jurisdiction, None if national."""
    if code is None or code in NATIONAL_CODES:
        return None
    level = region_level(code)
    if level is RegionLevel.PROVINCE:
        return code, code[:2] + "9999"
    if level is RegionLevel.PREFECTURE:
        return code, code[:4] + "99"
    return code, code


def in_jurisdiction(jurisdiction_code: str | None, region_code: str | None) -> bool:
    """Tell whether a region lies inside a jurisdiction (prefix rule, as jurisdiction_bounds)."""
    bounds = jurisdiction_bounds(jurisdiction_code)
    if bounds is None:
        return True
    if not isinstance(region_code, str) or not _CODE.fullmatch(region_code):
        return False
    low, high = bounds
    return low <= region_code <= high


@dataclass(frozen=True)
class _Variant:
    name: str
    end: int | None
    order: int

    def rank(self) -> tuple[bool, int, int]:
        # Current names beat historic ones, later end years beat earlier ones, then file order.
        return (self.end is None, self.end or 0, self.order)


def _variants(names: str, order: int) -> list[_Variant]:
    result = []
    for part in names.split(","):
        match = _VARIANT.match(part)
        if match is None:
            result.append(_Variant(part.strip(), None, order))
        else:
            end = int(match["end"]) if match["end"] else None
            result.append(_Variant(match["name"].strip(), end, order))
    return result


def _read_loc_dat() -> str:
    return resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")


def _parse(text: str) -> dict[str, list[_Variant]]:
    variants: dict[str, list[_Variant]] = {}
    province = ""
    for order, line in enumerate(text.splitlines()):
        match = _LINE.match(line.rstrip())
        if match is None:
            continue
        digits = match["code"]
        if not match["indent"]:
            province = digits
            code = province + "0000"
        else:
            code = province + digits
        if len(code) != 6:
            continue
        variants.setdefault(code, []).extend(_variants(match["names"], order))
    return variants


def _parent(code: str, level: RegionLevel, known: Container[str]) -> str | None:
    if level is RegionLevel.PROVINCE:
        return None
    if level is RegionLevel.COUNTY and code[:4] + "00" in known:
        return code[:4] + "00"
    return province_of(code)


def parse_loc_dat(text: str) -> list[RegionRecord]:
    """Parse text in the format of stdnum's cn/loc.dat into region records sorted by code."""
    variants = _parse(text)
    records = []
    for code in sorted(variants):
        best = max(variants[code], key=_Variant.rank)
        level = region_level(code)
        records.append(
            RegionRecord(
                code=code,
                name=best.name,
                level=level,
                parent_code=_parent(code, level, variants),
                active=best.end is None,
            )
        )
    return records


@cache
def _records() -> tuple[RegionRecord, ...]:
    return tuple(parse_loc_dat(_read_loc_dat()))


def load_gbt2260() -> list[RegionRecord]:
    """Return every GB/T 2260 region known to python-stdnum, sorted by code."""
    return list(_records())


@cache
def known_region_codes() -> frozenset[str]:
    """Return all region codes ever assigned, current or abolished."""
    return frozenset(record.code for record in _records())
