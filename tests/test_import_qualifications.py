"""`flask import-qualifications`: CSV / GBK CSV / XLSX, per-row errors, upsert, exit codes, dry run."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.domain.certificates import compose_qualification_no
from app.domain.identity import id_check_digit
from app.extensions import db
from app.imports.upsert import ImportQualifications
from app.models import Qualification

HEADER = ["资格证书编码", "姓名", "证件类型", "证件号码", "资格级别", "资格类别", "考试年度", "成绩发布日期", "发证日期"]
LEVELS = {"physician": "执业医师", "assistant": "执业助理医师"}
CATEGORIES = {"clinical": "临床", "dental": "口腔", "public_health": "公共卫生", "tcm": "中医"}


def id_number(county: str, birth: str, sequence: str) -> str:
    """Build a valid ID number."""
    return county + birth + sequence + id_check_digit(county + birth + sequence)


def record(seq: int, name: str = "测试医师", level: str = "physician", category: str = "clinical",
           year: int = 2024, county: str = "110105") -> list[str]:
    """Return one valid CSV row (Chinese labels, as the commission's files have them)."""
    number = id_number(county, "19900101", f"{seq:03d}")
    return [compose_qualification_no(year, county, level, category, number), name, "居民身份证", number,
            LEVELS[level], CATEGORIES[category], str(year), f"{year}-09-15", f"{year}/11/1"]


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    """Write a CSV with a header row and return its path."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def runner(app):
    """A CLI runner with the import command (registered here until create_app does it)."""
    if "import-qualifications" not in app.cli.commands:
        from app.imports.cli import register_import_cli

        register_import_cli(app)
    return app.test_cli_runner()


def count(app) -> int:
    """Count the qualification rows."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Qualification))


def stored(app, certificate_no: str) -> Qualification | None:
    """Load one qualification by certificate number (detached)."""
    with app.app_context():
        row = db.session.scalar(select(Qualification).where(Qualification.certificate_no == certificate_no))
        if row is not None:
            db.session.expunge(row)
        return row


def run_command(app, path, **kwargs):
    """Run the import command object inside an app context and return its summary."""
    with app.app_context():
        return ImportQualifications(path, today=dt.date(2026, 6, 1), **kwargs).run()


def test_csv_with_bom_is_imported(app, runner, tmp_path):
    rows = [record(1, "张三"), record(2, "李四", "assistant", "tcm"), record(3, "王五", category="public_health")]
    rows[2][-1] = ""  # 发证日期 is optional
    before = count(app)
    result = runner.invoke(args=["import-qualifications", str(write_csv(tmp_path / "q.csv", rows, encoding="utf-8-sig"))])
    assert result.exit_code == 0, result.output
    assert count(app) == before + 3
    second = stored(app, rows[1][0])
    assert (second.name, second.level, second.category, second.id_type) == ("李四", "assistant", "tcm", "resident")
    assert (second.province_code, second.exam_year) == ("110000", 2024)
    assert (second.published_on, second.issued_on) == (dt.date(2024, 9, 15), dt.date(2024, 11, 1))
    assert stored(app, rows[2][0]).issued_on is None


def test_gbk_csv_from_excel_is_detected(app, runner, tmp_path):
    rows = [record(4, "欧阳娜娜"), record(5, "诸葛亮", category="dental")]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = runner.invoke(args=["import-qualifications", str(path)])
    assert result.exit_code == 0, result.output
    assert stored(app, rows[0][0]).name == "欧阳娜娜"
    assert stored(app, rows[1][0]).category == "dental"


def test_xlsx_with_english_keys_and_real_dates(app, runner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["certificate_no", "name", "id_number", "level", "category", "exam_year", "published_on", "issued_on"])
    good = record(6, "赵六", year=2023)
    sheet.append([good[0], "赵六", good[3], "执业医师", "临床", 2023, dt.datetime(2023, 9, 20), dt.date(2023, 12, 1)])
    sheet.append([None] * 8)  # blank rows are skipped
    other = record(7, "钱七", "assistant", "dental", 2025, "310104")
    sheet.append([other[0], "钱七", other[3], "assistant", "dental", "2025", "2025/9/1", None])
    workbook.save(tmp_path / "q.xlsx")
    result = runner.invoke(args=["import-qualifications", str(tmp_path / "q.xlsx")])
    assert result.exit_code == 0, result.output
    first = stored(app, good[0])
    assert (first.published_on, first.issued_on, first.exam_year) == (dt.date(2023, 9, 20), dt.date(2023, 12, 1), 2023)
    assert stored(app, other[0]).province_code == "310000"


def bad_rows() -> tuple[list[list[str]], dict[int, tuple[str, str]]]:
    """Return rows with two good ones and the expected (column, code) for each bad row number."""
    good1, good2 = record(10, "好一"), record(11, "好二")
    checksum = record(12)
    checksum[3] = checksum[3][:17] + ("0" if checksum[3][17] != "0" else "1")
    checksum[0] = checksum[0][:9] + checksum[3]
    mismatch = record(13)
    mismatch[3] = record(14)[3]  # a valid ID number, but not the certificate's
    category = record(15)
    category[5] = "牙科"
    date = record(16)
    date[7] = "2024-02-30"
    duplicate = record(10, "好一重复")
    province = record(17)
    province[0] = province[0][:4] + "99" + province[0][6:]
    rows = [good1, checksum, mismatch, category, good2, date, duplicate, province]
    expected = {3: ("证件号码", "id_checksum"), 4: ("资格证书编码", "cert_id_mismatch"),
                5: ("资格类别", "unknown_category"), 7: ("成绩发布日期", "bad_date"),
                8: ("资格证书编码", "duplicate"), 9: ("资格证书编码", "unknown_province")}
    return rows, expected


def test_bad_rows_are_reported_and_good_rows_imported(app, runner, tmp_path):
    rows, expected = bad_rows()
    before = count(app)
    errors_file = tmp_path / "errors.csv"
    result = runner.invoke(args=["import-qualifications", str(write_csv(tmp_path / "q.csv", rows)),
                                 "--errors", str(errors_file)])
    assert result.exit_code == 1, result.output
    assert count(app) == before + 2
    assert stored(app, rows[0][0]).name == "好一"  # the first of the duplicates wins
    assert stored(app, rows[4][0]).name == "好二"
    for bad in (rows[2], rows[3], rows[5], rows[7]):
        assert stored(app, bad[0]) is None
    for number, (column, _code) in expected.items():
        assert re.search(rf"\b{number}\b\D*{column}", result.output), (number, column)
    with errors_file.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0][1:-1] == HEADER
    assert [int(line[0]) for line in written[1:]] == sorted(expected)
    assert written[1][1:-1] == rows[1] and "证件号码" in written[1][-1]


def test_errors_carry_row_column_and_code(app, tmp_path):
    rows, expected = bad_rows()
    summary = run_command(app, write_csv(tmp_path / "q.csv", rows))
    assert (summary.read, summary.inserted, summary.rejected) == (8, 2, 6)
    assert {(e.row, e.column, e.code) for e in summary.errors} == {
        (row, column, code) for row, (column, code) in expected.items()}
    duplicate = next(e for e in summary.errors if e.code == "duplicate")
    assert duplicate.params == {"row": 2} and duplicate.message


def test_certificate_parts_must_agree_with_the_columns(app, tmp_path):
    year = record(20)
    year[6] = "2023"
    level = record(21)
    level[4] = "执业助理医师"
    name = record(22, "")
    future = record(23)
    future[7] = "2027-01-01"
    issued = record(24)
    issued[8] = "2024-09-01"
    early = record(25)
    early[7] = "2023-12-01"
    summary = run_command(app, write_csv(tmp_path / "q.csv", [year, level, name, future, issued, early]))
    assert [(e.row, e.code) for e in summary.errors] == [
        (2, "cert_year_mismatch"), (3, "cert_level_mismatch"), (4, "required"), (5, "published_future"),
        (5, "issued_before_published"), (6, "issued_before_published"), (7, "published_before_exam")]
    assert summary.inserted == 0 and summary.rejected == 6


def test_reimport_updates_changed_rows_and_counts_unchanged(app, tmp_path):
    rows = [record(30 + i, f"医师{i}") for i in range(5)]
    first = run_command(app, write_csv(tmp_path / "a.csv", rows), batch_size=2)
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    rows[3][1] = "改名后"
    second = run_command(app, write_csv(tmp_path / "b.csv", rows), batch_size=2)
    assert (second.read, second.inserted, second.updated, second.unchanged) == (5, 0, 1, 4)
    assert stored(app, rows[3][0]).name == "改名后"
    assert stored(app, rows[2][0]).name == "医师2"


def test_missing_required_column_exits_2_and_imports_nothing(app, runner, tmp_path):
    header = [h for h in HEADER if h != "考试年度"]
    rows = [[cell for i, cell in enumerate(record(40)) if HEADER[i] != "考试年度"]]
    before = count(app)
    result = runner.invoke(args=["import-qualifications", str(write_csv(tmp_path / "q.csv", rows, header))])
    assert result.exit_code == 2
    assert "考试年度" in result.output
    assert count(app) == before


@pytest.mark.parametrize("content", [None, b"PK\x03\x04 not really a workbook"])
def test_unreadable_file_exits_2(app, runner, tmp_path, content):
    path = tmp_path / "q.xlsx"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(args=["import-qualifications", str(path)])
    assert result.exit_code == 2
    assert "q.xlsx" in result.output


def test_dry_run_imports_nothing(app, runner, tmp_path):
    rows = [record(50), record(51)]
    before = count(app)
    result = runner.invoke(args=["import-qualifications", "--dry-run", str(write_csv(tmp_path / "q.csv", rows))])
    assert result.exit_code == 0, result.output
    assert count(app) == before
    assert stored(app, rows[0][0]) is None


def test_dry_run_counts_what_would_change(app, tmp_path):
    rows = [record(60), record(61)]
    run_command(app, write_csv(tmp_path / "a.csv", rows[:1]))
    rows[0][1] = "新名字"
    summary = run_command(app, write_csv(tmp_path / "b.csv", rows), dry_run=True)
    assert (summary.inserted, summary.updated, summary.unchanged) == (1, 1, 0)
    assert stored(app, rows[0][0]).name == "测试医师"
    assert stored(app, rows[1][0]) is None


def test_compose_qualification_no_round_trips():
    number = id_number("440106", "19991231", "123")
    composed = compose_qualification_no(2025, "440000", "assistant", "tcm", number)
    assert composed == "2025" + "44" + "2" + "20" + number
    with pytest.raises(ValueError):
        compose_qualification_no(2025, "440000", "nurse", "tcm", number)


def test_rows_written_through_the_driver_read_back_as_the_orm_wrote_them(app, tmp_path):
    rows = [record(40, "驱动写入")]
    run_command(app, write_csv(tmp_path / "a.csv", rows))
    row = stored(app, rows[0][0])
    assert row.published_on == dt.date(2024, 9, 15) and row.issued_on == dt.date(2024, 11, 1)
    assert isinstance(row.imported_at, dt.datetime) and row.exam_year == 2024 and row.province_code == "110000"
    with app.app_context():  # compared as the ORM compares them (dates stored as SQLAlchemy formats them)
        found = db.session.scalar(select(func.count()).select_from(Qualification).where(
            Qualification.published_on == dt.date(2024, 9, 15), Qualification.certificate_no == rows[0][0]))
        assert found == 1
    again = run_command(app, write_csv(tmp_path / "b.csv", rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
