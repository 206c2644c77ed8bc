"""资格导入 in the browser: upload, a dry run, confirm, a progress bar, the refused rows as XLSX.

Thin views over app.imports.job (files, the job kind) and app.jobs (the queue). A reviewer sees
the imports of their own jurisdiction only (404 otherwise), files included.
"""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import false, select

from app.domain.clock import to_beijing
from app.domain.enums import JobStatus
from app.extensions import db
from app.imports.job import (
    KIND,
    UploadRefused,
    error_text,
    refused_path,
    start_dry_run,
    start_import,
    store_upload,
)
from app.models import Job
from app.security.roles import ADMIN, COMMISSION_REVIEWER
from app.security.scope import current_scope

RECENT = 20


def beijing(moment) -> str:
    """Return a stored (naive UTC) time as Beijing time."""
    if moment is None:
        return ""
    return to_beijing(moment).strftime("%Y-%m-%d %H:%M")


def _visible():
    """Return the condition limiting import jobs to the current reviewer's jurisdiction."""
    scope = current_scope()
    if scope.role == ADMIN or (scope.role == COMMISSION_REVIEWER and scope.bounds is None):
        return Job.kind == KIND
    if scope.role != COMMISSION_REVIEWER:
        return false()
    return (Job.kind == KIND) & Job.region_code.between(*scope.bounds)


def _job(job_id: int) -> Job:
    job = db.session.scalar(select(Job).where(Job.id == job_id, _visible()))
    if job is None:
        abort(404)
    return job


def _jurisdiction() -> str | None:
    scope = current_scope()
    return "000000" if scope.role == ADMIN else scope.jurisdiction


def status_of(job: Job) -> dict:
    """Return the small JSON the progress bar polls."""
    total = max(job.progress_total, job.progress_done, 1)
    return {"id": job.id, "status": job.status, "done": job.progress_done, "total": job.progress_total,
            "percent": 100 if job.status == JobStatus.DONE else min(99, job.progress_done * 100 // total),
            "dry_run": bool(job.params.get("dry_run")), "finished": job.status != JobStatus.PENDING}


class QualificationImportView(BaseView):
    """导入考试结果: reviewers upload exam results of their jurisdiction, check them, then import."""

    route_base = "/commission/imports"
    default_view = "index"
    method_permission_name = {"index": "read", "show": "read", "status": "read", "refused": "read",
                              "upload": "write", "confirm": "write"}

    @expose("/")
    @has_access
    def index(self):
        """Show the upload form and the recent imports of the jurisdiction."""
        jobs = db.session.scalars(select(Job).where(_visible()).order_by(Job.id.desc()).limit(RECENT)).all()
        return self.render_template("imports/index.html", jobs=jobs, status_of=status_of, beijing=beijing,
                                    title=_("Import exam results"))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        """Store the file and start its dry run."""
        jurisdiction = _jurisdiction()
        if not jurisdiction:
            abort(403)
        try:
            key, name = store_upload(request.files.get("file") or _empty())
        except UploadRefused as refusal:
            flash(str(refusal), "warning")
            return redirect(url_for("QualificationImportView.index"))
        job = start_dry_run(key, name, g.user.id, jurisdiction)
        return redirect(url_for("QualificationImportView.show", job_id=job.id))

    @expose("/<int:job_id>/")
    @has_access
    def show(self, job_id: int):
        """Show one check or import: its progress, then its counts and first refused rows."""
        job = _job(job_id)
        confirmed = None
        if job.params.get("dry_run"):
            confirmed = db.session.scalar(select(Job).where(Job.key == f"import:{job.params['upload']}"))
        errors = [(e["row"], e["column"], error_text(e)) for e in (job.result or {}).get("errors", [])]
        return self.render_template("imports/show.html", job=job, status=status_of(job), errors=errors,
                                    confirmed=confirmed, beijing=beijing, title=_("Import exam results"))

    @expose("/<int:job_id>/status")
    @has_access
    def status(self, job_id: int):
        """Answer the progress of one job as JSON (polled by its page)."""
        return jsonify(status_of(_job(job_id)))

    @expose("/<int:job_id>/confirm", methods=["POST"])
    @has_access
    def confirm(self, job_id: int):
        """Import the file a finished dry run checked (twice confirmed: still one import)."""
        job = _job(job_id)
        if not job.params.get("dry_run") or job.status != JobStatus.DONE:
            flash(_("Only a finished check can be confirmed."), "warning")
            return redirect(url_for("QualificationImportView.show", job_id=job.id))
        started = start_import(job, g.user.id)
        return redirect(url_for("QualificationImportView.show", job_id=started.id))

    @expose("/<int:job_id>/refused.xlsx")
    @has_access
    def refused(self, job_id: int):
        """Download the refused rows with their reasons."""
        job = _job(job_id)
        path = refused_path(job.id)
        if job.status != JobStatus.DONE or not path.is_file():
            abort(404)
        name = _("refused rows %(id)s.xlsx", id=job.id)
        return send_file(path, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _empty():
    from werkzeug.datastructures import FileStorage

    return FileStorage(filename="")
