"""Import 医师资格 records (exam results) from CSV or XLSX: validate every row, upsert the good ones.

Rows are handled in batches: one query fetches the batch's existing certificate numbers, new rows
go in with one executemany INSERT, changed rows with one executemany UPDATE by primary key, and
each batch commits. No ORM object is built per row, so 500,000 rows take minutes, not hours.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from app.domain.certificates import (
    CATEGORY_DIGITS,
    LEVEL_DIGIT,
    validate_qualification_certificate_no,
)
from app.domain.enums import Category, IdType, PracticeLevel, RegionLevel
from app.domain.errors import RuleViolation
from app.domain.identity import normalize_id_number, validate_id_number
from app.extensions import db
from app.imports import ErrorFile, ImportFileError, open_table
from app.models import Qualification, Region
from app.summaries import touch_qualifications

FIRST_EXAM_YEAR = 1999  # 执业医师法 took effect in 1999
FIELDS = ("certificate_no", "name", "id_type", "id_number", "level", "category",
          "province_code", "exam_year", "published_on", "issued_on")

# column key -> the Chinese header of the official template; English keys are accepted too.
COLUMNS = {
    "certificate_no": "资格证书编码", "name": "姓名", "id_type": "证件类型", "id_number": "证件号码",
    "level": "资格级别", "category": "资格类别", "exam_year": "考试年度",
    "published_on": "成绩发布日期", "issued_on": "发证日期",
}
OPTIONAL = {"id_type", "issued_on"}

ID_TYPES = {"居民身份证": IdType.RESIDENT, "身份证": IdType.RESIDENT, "护照": IdType.PASSPORT,
            "港澳居民来往内地通行证": IdType.HK_MACAO, "台湾居民来往大陆通行证": IdType.TAIWAN}
LEVELS = {"执业医师": PracticeLevel.PHYSICIAN, "执业助理医师": PracticeLevel.ASSISTANT}
CATEGORIES = {"临床": Category.CLINICAL, "口腔": Category.DENTAL, "公共卫生": Category.PUBLIC_HEALTH,
              "中医": Category.TCM}

MESSAGES = {
    "required": _l("A value is required."),
    "too_long": _l("At most %(max)s characters."),
    "unknown_id_type": _l("Unknown ID type \"%(value)s\"."),
    "unknown_level": _l("Unknown level \"%(value)s\": use 执业医师 or 执业助理医师."),
    "unknown_category": _l("Unknown category \"%(value)s\": use 临床, 口腔, 公共卫生 or 中医."),
    "bad_date": _l("\"%(value)s\" is not a date (use YYYY-MM-DD)."),
    "bad_year": _l("\"%(value)s\" is not a year."),
    "year_range": _l("The exam year must lie between %(low)s and %(high)s."),
    "published_before_exam": _l("Results cannot be published before the exam year."),
    "published_future": _l("The publication date lies in the future."),
    "issued_before_published": _l("The certificate cannot be issued before the results were published."),
    "id_length": _l("An ID number has 18 characters (17 digits and a digit or X)."),
    "id_region": _l("The ID number starts with an unknown region code %(region)s."),
    "id_birth_date": _l("The ID number contains an impossible birth date %(value)s."),
    "id_checksum": _l("The check digit of the ID number is wrong."),
    "qualification_no_format": _l("A certificate number has 27 characters: year, province, level, "
                                  "category and the holder's ID number."),
    "cert_id_mismatch": _l("The certificate number does not contain this ID number."),
    "cert_year_mismatch": _l("The certificate number is of year %(year)s, not the exam year."),
    "cert_level_mismatch": _l("The certificate number's level digit does not match the level."),
    "cert_category_mismatch": _l("The certificate number's category digits do not match the category."),
    "unknown_province": _l("The certificate number names an unknown province %(province)s."),
    "duplicate": _l("The certificate number already appeared in row %(row)s."),
}

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T][\d:.]+)?", re.ASCII)


@dataclass(frozen=True)
class RowError:
    """One rejected value: the row number as in Excel, the column header, a machine code."""

    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Return the translated message."""
        return str(MESSAGES[self.code]) % self.params


@dataclass
class ImportSummary:
    """Counts of one import run; ``errors`` lists every rejected value."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _canonical(header: str) -> str:
    return header.strip().strip("\ufeff*").strip().lower()


def map_columns(header: list[str]) -> dict[str, int]:
    """Return column key -> index for a header row, or raise ImportFileError naming missing columns."""
    names = {zh: key for key, zh in COLUMNS.items()} | {key: key for key in COLUMNS}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = names.get(_canonical(_text(cell)))
        if key is not None and key not in found:
            found[key] = index
    missing = [f"{COLUMNS[key]} ({key})" for key in COLUMNS if key not in found and key not in OPTIONAL]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s", columns=", ".join(missing)))
    return found


def parse_date(value: Any) -> dt.date | None:
    """Return a date from an Excel date or a YYYY-MM-DD / YYYY/MM/DD text; None when empty."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


class RowValidator:
    """Check one row and return the values to store, or the list of its errors."""

    def __init__(self, columns: dict[str, int], header: list[str], provinces: set[str],
                 today: dt.date) -> None:
        self.columns, self.header, self.provinces, self.today = columns, header, provinces, today
        self.seen: dict[str, int] = {}

    def validate(self, number: int, row: list[Any]) -> tuple[dict[str, Any] | None, list[RowError]]:
        """Validate one data row; return (values, []) or (None, errors)."""
        errors: list[RowError] = []
        raw = {key: row[i] if i < len(row) else None for key, i in self.columns.items()}

        def fail(key: str, code: str, **params: Any) -> None:
            errors.append(RowError(number, self.header[self.columns[key]].strip(), code, params))

        def choice(key: str, table: dict[str, Any], enum: type, code: str, default: Any = None) -> Any:
            text = _text(raw.get(key))
            if not text:
                if default is None:
                    fail(key, "required")
                return default
            value = table.get(text) or table.get(text.removesuffix("类别").removesuffix("类"))
            if value is None and text.lower() in {member.value for member in enum}:
                value = enum(text.lower())
            if value is None:
                fail(key, code, value=text)
            return value

        def date_of(key: str, required: bool) -> dt.date | None:
            try:
                value = parse_date(raw.get(key))
            except ValueError:
                fail(key, "bad_date", value=_text(raw.get(key)))
                return None
            if value is None and required:
                fail(key, "required")
            return value

        name = _text(raw["name"])
        if not name:
            fail("name", "required")
        elif len(name) > 64:
            fail("name", "too_long", max=64)
        id_type = choice("id_type", ID_TYPES, IdType, "unknown_id_type", default=IdType.RESIDENT)
        level = choice("level", LEVELS, PracticeLevel, "unknown_level")
        category = choice("category", CATEGORIES, Category, "unknown_category")
        id_number = normalize_id_number(_text(raw["id_number"]))
        if not id_number:
            fail("id_number", "required")
        elif id_type == IdType.RESIDENT:
            try:
                id_number = validate_id_number(id_number, today=self.today)
            except RuleViolation as violation:
                fail("id_number", violation.code, **violation.params)
        elif len(id_number) > 18:
            fail("id_number", "too_long", max=18)
        exam_year = None
        year_text = _text(raw["exam_year"]).removesuffix("年")
        if not year_text:
            fail("exam_year", "required")
        elif not year_text.isdigit() or len(year_text) != 4:
            fail("exam_year", "bad_year", value=year_text)
        elif not FIRST_EXAM_YEAR <= int(year_text) <= self.today.year:
            fail("exam_year", "year_range", low=FIRST_EXAM_YEAR, high=self.today.year)
        else:
            exam_year = int(year_text)
        published = date_of("published_on", required=True)
        issued = date_of("issued_on", required=False) if "issued_on" in self.columns else None
        if published and exam_year and published.year < exam_year:
            fail("published_on", "published_before_exam")
        elif published and published > self.today:
            fail("published_on", "published_future")
        if published and issued and issued < published:
            fail("issued_on", "issued_before_published")

        cert_text = _text(raw["certificate_no"])
        cert = province = None
        try:
            parsed = validate_qualification_certificate_no(cert_text)
        except RuleViolation as violation:
            fail("certificate_no", "required" if not cert_text else violation.code)
        else:
            cert, province = normalize_id_number(cert_text), parsed.province_code
            first = self.seen.setdefault(cert, number)
            if first != number:
                fail("certificate_no", "duplicate", row=first)
            if id_number and parsed.id_number != id_number:
                fail("certificate_no", "cert_id_mismatch")
            if exam_year and parsed.year != exam_year:
                fail("certificate_no", "cert_year_mismatch", year=parsed.year)
            if level and parsed.level_digit != LEVEL_DIGIT[level]:
                fail("certificate_no", "cert_level_mismatch")
            if category and parsed.category_digits != CATEGORY_DIGITS[category]:
                fail("certificate_no", "cert_category_mismatch")
            if province not in self.provinces:
                fail("certificate_no", "unknown_province", province=province)
        if errors:
            return None, errors
        return {"certificate_no": cert, "name": name, "id_type": str(id_type), "id_number": id_number,
                "level": str(level), "category": str(category), "province_code": province,
                "exam_year": exam_year, "published_on": published, "issued_on": issued}, []


class ImportQualifications:
    """The import command: ``run()`` reads, validates and upserts, committing once per batch."""

    def __init__(self, path: str | Path, *, dry_run: bool = False, batch_size: int = 5000,
                 errors_path: str | Path | None = None, today: dt.date | None = None,
                 on_start: Callable[[int], None] | None = None,
                 on_progress: Callable[[int], None] | None = None) -> None:
        self.path, self.dry_run, self.batch_size = Path(path), dry_run, max(batch_size, 1)
        self.errors_path = Path(errors_path) if errors_path else None
        self.today = today or dt.date.today()
        self.on_start, self.on_progress = on_start, on_progress
        self.summary = ImportSummary()

    def run(self) -> ImportSummary:
        """Import the file; raise ImportFileError if it cannot be read or lacks required columns."""
        started = time.perf_counter()
        with open_table(self.path) as table:
            columns = map_columns(table.header)
            provinces = set(db.session.scalars(select(Region.code).where(Region.level == RegionLevel.PROVINCE)))
            validator = RowValidator(columns, table.header, provinces, self.today)
            if self.on_start:
                self.on_start(table.estimated_rows)
            with ErrorFile(self.errors_path, table.header) as write_error:
                batch: list[dict[str, Any]] = []
                for number, row in table.rows:
                    self.summary.read += 1
                    values, errors = validator.validate(number, row)
                    if errors:
                        self.summary.rejected += 1
                        self.summary.errors.extend(errors)
                        write_error(number, row, [(e.column, e.message) for e in errors])
                    else:
                        batch.append(values)
                    if self.summary.read % self.batch_size == 0:
                        self._flush(batch)
                        batch = []
                self._flush(batch)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _flush(self, batch: list[dict[str, Any]]) -> None:
        if batch:
            self._upsert(batch)
        if self.on_progress:
            self.on_progress(self.summary.read)

    def _upsert(self, batch: list[dict[str, Any]]) -> None:
        cols = [getattr(Qualification, name) for name in FIELDS]
        keys = [values["certificate_no"] for values in batch]
        existing = {row[1]: row for row in db.session.execute(
            select(Qualification.id, *cols).where(Qualification.certificate_no.in_(keys)))}
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        inserts, updates = [], []
        for values in batch:
            current = existing.get(values["certificate_no"])
            if current is None:
                inserts.append(values | {"imported_at": now})
            elif tuple(current[1:]) != tuple(values[name] for name in FIELDS):
                updates.append(values | {"id": current[0], "imported_at": now})
        self.summary.inserted += len(inserts)
        self.summary.updated += len(updates)
        self.summary.unchanged += len(batch) - len(inserts) - len(updates)
        if self.dry_run:
            return
        if inserts:
            db.session.execute(insert(Qualification.__table__), inserts)
        if updates:
            _update_by_key(updates)
        was = [dict(zip(FIELDS, existing[values["certificate_no"]][1:], strict=True)) for values in updates]
        touch_qualifications(db.session, was, inserts + updates)  # the window's counts, recounted at commit
        db.session.commit()


def _update_by_key(updates: list[dict[str, Any]]) -> None:
    """Rewrite existing rows: executemany UPDATE by primary key, or one batched upsert on PostgreSQL."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(Qualification), updates)
        return
    # psycopg2 sends an executemany one row per round trip; a multi-row INSERT .. ON CONFLICT
    # rewrites 1,000 rows per statement (11 parameters a row, under PostgreSQL's 65,535).
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    rows = [{key: value for key, value in row.items() if key != "id"} for row in updates]
    for start in range(0, len(rows), 1000):
        statement = pg_insert(Qualification.__table__).values(rows[start:start + 1000])
        statement = statement.on_conflict_do_update(
            index_elements=["certificate_no"],
            set_={name: statement.excluded[name] for name in (*FIELDS[1:], "imported_at")},
        )
        db.session.execute(statement)
