"""The browser's import: uploaded files, and the job that runs ImportQualifications on them.

Files live under ``UPLOAD_DIR/imports`` (outside static) with random names; the views serve the
refused-rows workbook only to reviewers of the job's jurisdiction.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.documents.photos import upload_dir
from app.domain.regions import jurisdiction_bounds
from app.imports import ImportFileError
from app.imports.qualifications import MESSAGES
from app.imports.upsert import ImportQualifications, audit_import
from app.jobs import JobFailed, enqueue, handler
from app.jobs.runner import JobContext
from app.models import Job

KIND = "import_qualifications"
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
FIRST_ERRORS = 20  # refused values shown on the page (all of them are in the workbook)
WEB_BATCH = 2000  # rows per transaction (and progress step) in the browser's import
_KEY_CHARS = set("0123456789abcdef")


class UploadRefused(Exception):
    """The uploaded file is not accepted (its text is translated)."""


def _folder() -> Path:
    return upload_dir("imports")


def upload_path(key: str) -> Path:
    """Return the stored file of an upload key (keys are ours: hex and a known suffix)."""
    stem, _, suffix = key.partition(".")
    if len(stem) != 32 or not set(stem) <= _KEY_CHARS or f".{suffix}" not in SUFFIXES:
        raise ValueError(key)
    return _folder() / key


def refused_path(job_id: int) -> Path:
    """Return the refused-rows workbook of a job."""
    return _folder() / f"job-{int(job_id)}-refused.xlsx"


def store_upload(storage: FileStorage) -> tuple[str, str]:
    """Save an uploaded CSV or XLSX under a random key; return (key, the user's file name)."""
    from flask_babel import gettext as _

    name = Path(storage.filename or "").name.strip()
    suffix = Path(name).suffix.lower()
    if not name:
        raise UploadRefused(_("Choose a CSV or XLSX file."))
    if suffix not in SUFFIXES:
        raise UploadRefused(_("Only CSV and XLSX files can be imported."))
    key = f"{secrets.token_hex(16)}{suffix}"
    path = _folder() / key
    limit = int(current_app.config["IMPORT_MAX_BYTES"])
    size = 0
    with path.open("wb") as handle:
        while chunk := storage.stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                handle.close()
                path.unlink(missing_ok=True)
                raise UploadRefused(_("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
            handle.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise UploadRefused(_("The file is empty."))
    return key, name[:200]


def start_dry_run(key: str, file_name: str, user_id: int, jurisdiction: str) -> Job:
    """Enqueue the dry run of an upload."""
    return enqueue(KIND, {"upload": key, "file_name": file_name, "user_id": user_id,
                          "jurisdiction": jurisdiction, "dry_run": True},
                   key=f"import-check:{key}", created_by=user_id, region_code=jurisdiction)


def start_import(dry_run: Job, user_id: int) -> Job:
    """Enqueue the import an accepted dry run describes (once per upload, however often confirmed)."""
    params = dict(dry_run.params) | {"dry_run": False, "checked_by_job": dry_run.id, "user_id": user_id}
    return enqueue(KIND, params, key=f"import:{params['upload']}", created_by=user_id,
                   region_code=dry_run.region_code)


def error_text(error: dict[str, Any]) -> str:
    """Return the translated reason of a stored refused value."""
    return str(MESSAGES[error["code"]]) % error["params"]


@handler(KIND)
def run_import(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Check or import one uploaded file; resume after the last committed batch when re-run."""
    from app.domain.clock import today_in_beijing

    command = ImportQualifications(
        upload_path(params["upload"]), dry_run=params["dry_run"], batch_size=WEB_BATCH,
        errors_xlsx=refused_path(ctx.job_id), bounds=jurisdiction_bounds(params["jurisdiction"]),
        today=today_in_beijing(), resume=(ctx.state or {}).get("counts"), max_errors=FIRST_ERRORS,
        on_checkpoint=lambda s: ctx.save(s.read, max(command.estimated_rows, s.read), {"counts": s.counts()}))
    try:
        summary = command.run()
    except ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    if not params["dry_run"]:
        audit_import(params["file_name"], summary, actor_id=params["user_id"], region_code=params["jurisdiction"])
    ctx.save(summary.read, summary.read, {"counts": summary.counts()})
    errors = [{"row": e.row, "column": e.column, "code": e.code, "params": e.params} for e in summary.errors]
    return summary.counts() | {"errors": errors}
