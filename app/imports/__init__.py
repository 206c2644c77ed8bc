"""Bulk imports from spreadsheets: reading CSV (UTF-8, UTF-8 with BOM, GBK) and XLSX tables.

``ErrorFile`` writes rejected rows back with their reasons. ``open_table`` hides the file format: it yields the header and then each data row with the row
number a user sees in Excel (the header is row 1). Files that cannot be read raise
``ImportFileError`` carrying a translated message.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

_SNIFF_BYTES = 1 << 20
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong format, missing columns)."""


@dataclass
class Table:
    """An open table: its header, an estimate of the data rows and an iterator over them."""

    header: list[str]
    estimated_rows: int
    rows: Iterator[tuple[int, list[Any]]]
    close: Callable[[], None] = lambda: None


def detect_encoding(path: Path) -> str:
    """Return the codec of a CSV file: utf-8-sig if all of it is UTF-8 (BOM or not), else gb18030."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SNIFF_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        # Excel in China saves "CSV" in the ANSI code page, GBK; GB 18030 is its superset.
        return "gb18030"
    return "utf-8-sig"


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_SNIFF_BYTES):
            count += chunk.count(b"\n")
    return count


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader, None)
            for number, row in enumerate(reader, start=2):
                if any(cell.strip() for cell in row):
                    yield number, row
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ImportFileError(
                _("Cannot read %(file)s: %(reason)s", file=path.name, reason=str(exc))
            ) from exc


def _open_csv(path: Path) -> Table:
    with path.open("rb") as handle:
        sample = handle.read(_SNIFF_BYTES)
    encoding = detect_encoding(path)
    try:
        first_line = sample.decode(encoding, errors="replace").splitlines()[0] if sample else ""
    except IndexError:
        first_line = ""
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    if not any(cell.strip() for cell in header):
        raise ImportFileError(_("%(file)s has no header row.", file=path.name))
    rows = _csv_rows(path, encoding, delimiter)
    return Table(header, max(_count_lines(path) - 1, 0), rows)


def _xlsx_rows(workbook: Any) -> Iterator[tuple[int, list[Any]]]:
    sheet = workbook.active
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(cell is not None and str(cell).strip() for cell in row):
            yield number, list(row)


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.active
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFileError(
            _("Cannot read %(file)s: %(reason)s", file=path.name, reason=str(exc))
        ) from exc
    header = ["" if cell is None else str(cell) for cell in first]
    if not any(cell.strip() for cell in header):
        workbook.close()
        raise ImportFileError(_("%(file)s has no header row.", file=path.name))
    estimated = max((sheet.max_row or 1) - 1, 0)
    return Table(header, estimated, _xlsx_rows(workbook), workbook.close)


def _is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in _XLSX_SUFFIXES:
        return True
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


class ErrorFile:
    """Write rejected rows with their reasons to a CSV that Excel opens (UTF-8 with BOM)."""

    def __init__(self, path: str | Path | None, header: list[Any]) -> None:
        self.path = Path(path) if path else None
        self.header = [_cell_text(cell) for cell in header]
        self.handle: Any = None
        self.writer: Any = None

    def __enter__(self) -> Callable[[int, list[Any], list[tuple[str, str]]], None]:
        if self.path is not None:
            self.handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self.writer = csv.writer(self.handle)
            self.writer.writerow([_("Row"), *self.header, _("Errors")])
        return self.write

    def write(self, number: int, row: list[Any], reasons: list[tuple[str, str]]) -> None:
        """Append one rejected row with its (column, message) reasons."""
        if self.writer is not None:
            cells = [_cell_text(cell) for cell in row] + [""] * (len(self.header) - len(row))
            self.writer.writerow([number, *cells, "; ".join(f"{col}: {msg}" for col, msg in reasons)])

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


@contextmanager
def open_table(path: str | Path) -> Iterator[Table]:
    """Open a CSV or XLSX file as a Table, or raise ImportFileError with a translated message."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("File not found: %(file)s", file=str(path)))
    try:
        table = _open_xlsx(path) if _is_xlsx(path) else _open_csv(path)
    except OSError as exc:
        raise ImportFileError(
            _("Cannot read %(file)s: %(reason)s", file=path.name, reason=exc.strerror or str(exc))
        ) from exc
    try:
        yield table
    finally:
        table.rows.close()  # type: ignore[attr-defined]  # a generator
        table.close()


class XlsxErrorFile:
    """Write rejected rows to an XLSX (streamed, write-only): the original row, the faulty cells
    marked, and one reason column per original column ("资格证书编码：问题")."""

    def __init__(self, path: str | Path, header: list[Any]) -> None:
        from openpyxl import Workbook

        self.path = Path(path)
        self.header = [_cell_text(cell) for cell in header]
        self.index = {name: i for i, name in reversed(list(enumerate(self.header)))}
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(_("Refused rows"))
        self.rows = 0
        reasons = [_("%(column)s: problem", column=name) for name in self.header]
        self.sheet.append([_("Row"), *self.header, *reasons])

    def write(self, number: int, row: list[Any], reasons: list[tuple[str, str]]) -> None:
        """Append one refused row: its cells as read, then each column's reasons."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import PatternFill

        per_column: dict[int, list[str]] = {}
        for column, message in reasons:
            per_column.setdefault(self.index.get(column, 0), []).append(message)
        cells: list[Any] = [number]
        for i in range(len(self.header)):
            value = row[i] if i < len(row) else None
            cell = WriteOnlyCell(self.sheet, value=_cell_text(value) if value is not None else None)
            if i in per_column:
                cell.fill = PatternFill("solid", fgColor="FFF2CC")
            cells.append(cell)
        cells.extend("；".join(per_column.get(i, [])) or None for i in range(len(self.header)))
        self.sheet.append(cells)
        self.rows += 1

    def close(self) -> None:
        """Save the workbook."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.workbook.save(self.path)
