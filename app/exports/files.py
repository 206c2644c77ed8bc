"""Write an export table to a file (Excel in write-only mode, or CSV) and stream a file in chunks."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.exports.table import ExportTable, cell_text

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ExportFile:
    """A written export: where it is, what it is called for the user, its type and row count."""

    path: Path
    title: str
    filename: str
    fmt: str
    rows: int

    @property
    def mimetype(self) -> str:
        """Return the file's media type."""
        return FORMATS[self.fmt]


def export_dir() -> Path:
    """Return (and create) the directory export files are written to."""
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _new_file(fmt: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="export-", suffix=f".{fmt}", dir=export_dir())
    os.close(handle)
    return Path(name)


def _write_xlsx(table: ExportTable, path: Path) -> int:
    """Write the table with openpyxl's write-only sheet: each row goes to a temporary file as it comes."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(table.title))
    headers = [str(h) for h in table.headers]
    for index, label in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, 2 * len(label) + 4)
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    written = 0
    for row in table.rows:
        sheet.append([cell_text(cell) for cell in row])
        written += 1
    book.save(path)
    return written


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet1"


def _write_csv(table: ExportTable, path: Path) -> int:
    """Write the table as CSV, UTF-8 with a BOM so that Excel reads the Chinese."""
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([str(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([cell_text(cell) for cell in row])
            written += 1
    return written


def write_file(table: ExportTable, fmt: str) -> ExportFile:
    """Write ``table`` in ``fmt`` (xlsx or csv) to a new file under EXPORT_DIR and describe it."""
    path = _new_file(fmt)
    try:
        written = (_write_xlsx if fmt == "xlsx" else _write_csv)(table, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ExportFile(path=path, title=str(table.title), filename=table.filename, fmt=fmt, rows=written)


def stream_file(path: Path, remove: bool = True) -> Iterator[bytes]:
    """Yield the file in chunks of STREAM_CHUNK bytes (and remove it afterwards)."""
    try:
        with path.open("rb") as source:
            while block := source.read(STREAM_CHUNK):
                yield block
    finally:
        if remove:
            path.unlink(missing_ok=True)
