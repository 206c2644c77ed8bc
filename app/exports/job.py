"""Large exports as background jobs: a list above EXPORT_MAX_ROWS_INLINE is written by a job.

The job runs ``write_export`` as the user who asked (the same scope, filters and words as the
page) with no row limit and keeps the file at a stable path per job under EXPORT_DIR (outside
static), so a re-run overwrites the same file. Only the user who asked sees the job and its file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import lease
from app.domain.enums import JobStatus
from app.exports.files import FORMATS, ExportFile, export_dir
from app.exports.service import ExportError, write_export
from app.extensions import db
from app.jobs import JobFailed, enqueue, handler
from app.jobs.runner import JobContext, LeaseLost
from app.models import Job, RegistryUser

KIND = "export"


def job_file(job_id: int, fmt: str) -> Path:
    """Return the stable file of an export job (created folder; the name holds only the id and format)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    folder = export_dir() / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{int(job_id)}.{fmt}"


def filter_pairs(filters: Mapping) -> list[list[str]]:
    """Return the list's query arguments as sorted [name, value] pairs (JSON-safe, order-free)."""
    items = filters.items(multi=True) if isinstance(filters, MultiDict) else (
        (k, v) for k, values in filters.items() for v in (values if isinstance(values, list) else [values]))
    return sorted([str(k), str(v)] for k, v in items)


def fingerprint(list_key: str, pairs: list[list[str]], user_id: int, fmt: str) -> str:
    """Return a short digest naming one user's export of one list with one set of filters."""
    raw = json.dumps([list_key, pairs, user_id, fmt], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def start_export(list_key: str, filters: Mapping, user_id: int, fmt: str, title: str = "", rows: int = 0) -> Job:
    """Enqueue the export, or return the same export still being written (a double click: one job).

    Once that job has ended, asking again writes a fresh file (the list may have changed): each
    run of one fingerprint takes the next number in its key, and the key's uniqueness makes two
    simultaneous requests end up with one job.
    """
    pairs = filter_pairs(filters)
    prefix = f"export:{fingerprint(list_key, pairs, user_id, fmt)}:"
    latest = db.session.scalar(select(Job).where(Job.kind == KIND, Job.key.startswith(prefix, autoescape=True))
                               .order_by(Job.id.desc()).limit(1))
    if latest is not None and latest.status == JobStatus.PENDING.value:
        return latest
    number = int(latest.key.rsplit(":", 1)[1]) + 1 if latest is not None else 1
    params = {"list_key": list_key, "filters": pairs, "user_id": user_id, "fmt": fmt, "title": title, "rows": rows}
    return enqueue(KIND, params, key=f"{prefix}{number}", created_by=user_id, max_attempts=3)


def file_of(job: Job) -> ExportFile | None:
    """Return the finished job's file as an ExportFile (None if not done or the file is gone)."""
    result = job.result or {}
    if job.status != JobStatus.DONE.value or not result.get("file"):
        return None
    path = job_file(job.id, result["fmt"])
    if not path.is_file():
        return None
    return ExportFile(path=path, title=result["title"], filename=result["filename"], fmt=result["fmt"],
                      rows=result["rows"])


def hold_long(ctx: JobContext) -> None:
    """Extend the lease to EXPORT_JOB_LEASE_SECONDS before writing (committed: nothing is open yet).

    Writing the file gives no checkpoint (the rows are read through one open cursor), so the
    common lease would lapse during a long export and another worker would write it again.
    """
    seconds = int(current_app.config.get("EXPORT_JOB_LEASE_SECONDS", 1800))
    if not lease.conditional_update(Job, ctx.job_id, ctx.held(), {"locked_until": ctx.clock() + dt.timedelta(seconds=seconds)}):
        raise LeaseLost(ctx.job_id)


@handler(KIND)
def run_export(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Write the list as its user sees it, with no row limit, to the job's own file (a re-run overwrites it)."""
    user = db.session.get(RegistryUser, params["user_id"])
    if user is None or not user.is_active:
        raise JobFailed(_("The account that asked for this export is no longer active."))
    hold_long(ctx)
    filters = MultiDict([tuple(pair) for pair in params["filters"]])
    try:
        exported = write_export(params["list_key"], filters, user, params["fmt"])
    except ExportError as refusal:
        raise JobFailed(refusal.message) from refusal
    target = job_file(ctx.job_id, exported.fmt)
    os.replace(exported.path, target)  # same folder tree: atomic, and a re-run replaces the file
    ctx.save(exported.rows, exported.rows)
    return {"file": target.name, "filename": exported.filename, "title": exported.title,
            "rows": exported.rows, "fmt": exported.fmt}
