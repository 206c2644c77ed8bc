"""我的导出: the background exports of the logged-in user, their progress and their files.

A list above EXPORT_MAX_ROWS_INLINE is written by a job (app.exports.job); these pages show the
user's own export jobs only (404 for anybody else's), poll one job's status as JSON and stream the
finished file. The file is kept after a download (it may be fetched again).
"""

from __future__ import annotations

from flask import abort, g, jsonify
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain.clock import to_beijing
from app.domain.enums import JobStatus
from app.exports.job import KIND, file_of
from app.exports.views import file_response
from app.extensions import db
from app.models import Job
from app.views.imports import beijing

RECENT = 20


def _mine():
    """Return the condition "an export job of the current user"."""
    return (Job.kind == KIND) & (Job.created_by == g.user.id)


def _job(job_id: int) -> Job:
    job = db.session.scalar(select(Job).where(Job.id == job_id, _mine()))
    if job is None:
        abort(404)
    return job


def export_status(job: Job) -> dict:
    """Return the small JSON the job's page polls."""
    done = job.status == JobStatus.DONE.value
    rows = (job.result or {}).get("rows", job.params.get("rows") or 0)
    return {"id": job.id, "status": job.status, "finished": job.status != JobStatus.PENDING.value,
            "ready": done and file_of(job) is not None, "rows": rows}


def title_of(job: Job) -> str:
    """Return the exported list's title (as it was when the export was asked for)."""
    return (job.result or {}).get("title") or job.params.get("title") or _("Export")


class ExportJobView(BaseView):
    """我的导出: every staff user who may export a list sees (only) their own large exports here."""

    route_base = "/exports"
    default_view = "index"
    method_permission_name = {"index": "read", "show": "read", "status": "read", "download": "read"}

    @expose("/")
    @has_access
    def index(self):
        """List the user's recent exports."""
        jobs = db.session.scalars(select(Job).where(_mine()).order_by(Job.id.desc()).limit(RECENT)).all()
        return self.render_template("exports/jobs.html", jobs=jobs, status_of=export_status, title_of=title_of,
                                    beijing=beijing, title=_("My exports"))

    @expose("/<int:job_id>/")
    @has_access
    def show(self, job_id: int):
        """Show one export: in progress (the page polls its status), failed, or ready to download."""
        job = _job(job_id)
        return self.render_template("exports/job.html", job=job, status=export_status(job), list_title=title_of(job),
                                    beijing=beijing, title=_("My exports"))

    @expose("/<int:job_id>/status")
    @has_access
    def status(self, job_id: int):
        """Answer the state of one export as JSON (polled by its page)."""
        return jsonify(export_status(_job(job_id)))

    @expose("/<int:job_id>/download")
    @has_access
    def download(self, job_id: int):
        """Stream the finished file (kept for a later download)."""
        job = _job(job_id)
        exported = file_of(job)
        if exported is None:
            abort(404)
        day = beijing_day(job)
        return file_response(exported, day, remove=False)


def beijing_day(job: Job):
    """Return the Beijing date the file was written (its name carries it)."""
    return to_beijing(job.finished_at or job.created_at).date()
