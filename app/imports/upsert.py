"""Import 医师资格 records from CSV or XLSX: validate every row, upsert the good ones, a batch at a time.

One code path for `flask import-qualifications` and the browser's import job. The file is
streamed; per batch, one query fetches the batch's existing certificate numbers, new rows go in
with one executemany INSERT, changed rows with one executemany UPDATE by primary key, and the
batch commits together with the caller's checkpoint. Repeated numbers inside the file are found
in a scratch table on disk (``SeenKeys``), so memory does not grow with the file.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.domain.enums import RegionLevel
from app.extensions import db
from app.imports import ErrorFile, XlsxErrorFile, open_table
from app.imports.qualifications import FIELDS, ImportSummary, RowError, RowValidator, map_columns
from app.imports.seen import SeenKeys
from app.models import Qualification, Region
from app.summaries import touch_qualifications

ErrorSink = Callable[[int, list[Any], list[RowError]], None]
WRITE_ATTEMPTS = 4  # a batch raced by a concurrent import of the same rows is re-read and redone


class ImportQualifications:
    """The import command: ``run()`` reads, validates and upserts, committing once per batch.

    ``on_checkpoint(summary)`` runs inside each batch's transaction (a job records its progress
    there); ``resume`` (a checkpoint's counts) skips the writes of the batches already committed.
    ``bounds`` limits the accepted provinces to a reviewer's jurisdiction.
    """

    def __init__(self, path: str | Path, *, dry_run: bool = False, batch_size: int = 5000,
                 errors_path: str | Path | None = None, errors_xlsx: str | Path | None = None,
                 today: dt.date | None = None, bounds: tuple[str, str] | None = None,
                 on_start: Callable[[int], None] | None = None,
                 on_progress: Callable[[int], None] | None = None,
                 on_checkpoint: Callable[[ImportSummary], None] | None = None,
                 resume: dict[str, int] | None = None, max_errors: int = 1000) -> None:
        self.path, self.dry_run, self.batch_size = Path(path), dry_run, max(batch_size, 1)
        self.errors_path = Path(errors_path) if errors_path else None
        self.errors_xlsx, self.bounds = errors_xlsx, bounds
        self.today = today or dt.date.today()
        self.on_start, self.on_progress, self.on_checkpoint = on_start, on_progress, on_checkpoint
        self.resume, self.max_errors = resume or {}, max_errors
        self.summary = ImportSummary()
        self.estimated_rows = 0

    def run(self) -> ImportSummary:
        """Import the file; raise ImportFileError if it cannot be read or lacks required columns."""
        started = time.perf_counter()
        with open_table(self.path) as table, SeenKeys() as seen:
            columns = map_columns(table.header)
            provinces = set(db.session.scalars(select(Region.code).where(Region.level == RegionLevel.PROVINCE)))
            db.session.commit()
            validator = RowValidator(columns, table.header, provinces, self.today, self.bounds)
            self.estimated_rows = table.estimated_rows
            if self.on_start:
                self.on_start(table.estimated_rows)
            xlsx = XlsxErrorFile(self.errors_xlsx, table.header) if self.errors_xlsx else None
            try:
                self._rows(table, validator, seen, xlsx)
            finally:
                if xlsx is not None:
                    xlsx.close()  # also after a failure: the next attempt rewrites it
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _rows(self, table: Any, validator: RowValidator, seen: SeenKeys, xlsx: XlsxErrorFile | None) -> None:
        with ErrorFile(self.errors_path, table.header) as write_csv:
            def write_error(number: int, row: list[Any], errors: list[RowError]) -> None:
                reasons = [(e.column, e.message) for e in errors]
                write_csv(number, row, reasons)
                if xlsx is not None:
                    xlsx.write(number, row, reasons)

            pending: list[tuple[int, list[Any], dict[str, Any] | None, list[RowError], str | None]] = []
            for number, row in table.rows:
                values, errors = validator.validate(number, row)
                pending.append((number, row, values, errors, validator.last_certificate))
                if len(pending) >= self.batch_size:
                    self._batch(pending, seen, validator, write_error)
                    pending = []
            self._batch(pending, seen, validator, write_error, last=True)

    def _batch(self, pending: list, seen: SeenKeys, validator: RowValidator, write_error: ErrorSink,
               last: bool = False) -> None:
        repeats = seen.first_rows((cert, number) for number, _row, _values, _errors, cert in pending if cert)
        good: list[dict[str, Any]] = []
        summary = self.summary
        for number, row, values, errors, _cert in pending:
            summary.read += 1
            if number in repeats:
                errors = [*errors, RowError(number, validator.column_of("certificate_no"), "duplicate",
                                            {"row": repeats[number]})]
            if errors:
                summary.rejected += 1
                summary.error_count += len(errors)
                summary.errors.extend(errors[:max(self.max_errors - len(summary.errors), 0)])
                write_error(number, row, errors)
            elif values is not None:
                good.append(values)
        if summary.read <= self.resume.get("read", -1) and not (last and summary.read == 0):
            # Written by an earlier attempt (its checkpoint says so): only the error file is rebuilt.
            if summary.read == self.resume["read"]:
                for name in ("inserted", "updated", "unchanged"):
                    setattr(summary, name, self.resume.get(name, 0))
        else:
            self._write(good)
        if self.on_progress:
            self.on_progress(summary.read)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        """Upsert one batch and commit it with the checkpoint; redo it if a concurrent import raced it."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            before = (self.summary.inserted, self.summary.updated, self.summary.unchanged)
            try:
                self._upsert(batch)
                if self.on_checkpoint:
                    self.on_checkpoint(self.summary)
                db.session.commit()
                return
            except (IntegrityError, OperationalError):
                db.session.rollback()
                self.summary.inserted, self.summary.updated, self.summary.unchanged = before
                if attempt == WRITE_ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)

    def _upsert(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
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
            _insert(inserts)
        if updates:
            _update_by_key(updates)
        was = [dict(zip(FIELDS, existing[values["certificate_no"]][1:], strict=True)) for values in updates]
        touch_qualifications(db.session, was, inserts + updates)  # the window's counts, recounted at commit


_COLUMNS = (*FIELDS, "imported_at")
_SQLITE_INSERT = (f"INSERT INTO qualification ({', '.join(_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_COLUMNS))})")


def _sqlite_row(row: dict[str, Any], stamp: str) -> tuple:
    """Return a new row's parameters as SQLAlchemy stores them in SQLite (dates as ISO text)."""
    issued = row["issued_on"]
    return (row["certificate_no"], row["name"], row["id_type"], row["id_number"], row["level"], row["category"],
            row["province_code"], row["exam_year"], row["published_on"].isoformat(),
            issued.isoformat() if issued is not None else None, stamp)


def _insert(rows: list[dict[str, Any]]) -> None:
    """Insert new rows: on SQLite straight through the driver's executemany (Core's per-row
    parameter processing cost as much as SQLite's own work), elsewhere Core's batched INSERT."""
    if db.session.get_bind().dialect.name == "sqlite":
        stamp = rows[0]["imported_at"].strftime("%Y-%m-%d %H:%M:%S.%f")  # one time for the batch
        db.session.connection().exec_driver_sql(_SQLITE_INSERT, [_sqlite_row(row, stamp) for row in rows])
        return
    db.session.execute(insert(Qualification.__table__), rows)


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


def audit_import(file_name: str, summary: ImportSummary, *, actor_id: int | None = None,
                 region_code: str | None = None) -> None:
    """Add the audit event of one import (who, file name, counts) to the session."""
    from app.accounts.audit import record

    record("qualifications_imported", actor_id=actor_id, region_code=region_code, detail=(
        f"{file_name}: read {summary.read}, inserted {summary.inserted}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, rejected {summary.rejected}"))
