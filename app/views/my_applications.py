"""我的申请: a physician's applications, the 办事指南 start pages and the step-by-step wizard.

Each step is one topic (DESIGN rules 7–9): the answers are kept in the draft at every step, the
review page lists them with 「修改」 links, and nothing is submitted before 「提交申请」.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.commands import CommandError
from app.documents.photos import MIB
from app.domain.enums import (
    OPEN_APPLICATION_STATUSES,
    ApplicationType,
    FilingStatus,
    PracticeLevel,
    RegionLevel,
)
from app.domain.enums import ApplicationStatus as S
from app.domain.regions import jurisdiction_bounds
from app.extensions import db
from app.labels import ENUM_LABELS
from app.models import Application, Institution, Physician, Region
from app.security.scope import current_scope, scoped
from app.views.applications import ApplicationQueueView, current_actor
from app.workflow import rules, uploads
from app.workflow.commands import EDITABLE, act, create_application, save_step
from app.workflow.errors import WorkflowError
from app.workflow.progress import requested_items
from app.workflow.uploads import upload

INSTITUTION_CHOICES = 50
STEP_LABELS = {
    "photo": _l("ID photo"), "location": _l("Practice location"), "institution": _l("Institution"), "scopes": _l("Practice scopes"),
    "training": _l("Training and title"), "period": _l("Filing period"), "filing": _l("Filing to end"),
    "reason": _l("Reason for deregistration"), "review": _l("Check your answers"),
}


class MyApplicationsView(ApplicationQueueView):
    """The physician's own applications (row scope: own rows only) and the wizard."""

    route_base = "/me/applications"
    template_queue = "applications/mine.html"
    default_statuses = ()
    title = _l("My applications")

    def render_template(self, template, **kwargs):
        """Add what every page of the physician's area needs: what may be filed now."""
        kwargs.setdefault("fileable", self._fileable())
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        kwargs.setdefault("open_application", physician and self._open_application(physician))
        kwargs.setdefault("view_endpoint", self.endpoint)
        kwargs.setdefault("type_labels", ENUM_LABELS[ApplicationType])
        return super().render_template(template, **kwargs)

    def _physician(self) -> Physician:
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        if physician is None:
            abort(403)
        return physician

    def _fileable(self) -> list[str]:
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        if physician is None or self._open_application(physician) is not None:
            return []
        registration = rules.active_registration(db.session, physician.id)
        if registration is None:
            return [ApplicationType.FIRST]
        kinds = [ApplicationType.CHANGE, ApplicationType.FILING_ADD]
        if any(f.status == FilingStatus.ACTIVE for f in registration.filings):
            kinds.append(ApplicationType.FILING_END)
        return [*kinds, ApplicationType.CANCEL]

    @staticmethod
    def _open_application(physician: Physician) -> Application | None:
        return db.session.scalars(select(Application).where(
            Application.physician_id == physician.id, Application.status.in_(OPEN_APPLICATION_STATUSES))).first()

    def detail_extra(self, application: Application) -> dict:
        """The wizard continues at the first step while the application is a draft."""
        return {"first_step": rules.STEPS[application.type][0]}

    def _own(self, application_id: int) -> Application:
        application = db.session.scalars(
            scoped(select(Application).where(Application.id == application_id), Application, current_scope())
        ).one_or_none()
        if application is None:
            abort(404)
        return application

    @expose("/new/<kind>", methods=["GET", "POST"])
    @has_access
    def start(self, kind: str):
        """Show the 办事指南 of an application type; 「开始申请」 creates the draft."""
        if kind not in rules.STEPS:
            abort(404)
        if request.method == "POST":
            try:
                application = create_application(current_actor(), kind, {}, submit=False)
            except WorkflowError as error:
                flash(error.message, "danger")
                return redirect(url_for(".start", kind=kind))
            return redirect(url_for(".step", application_id=application.id, step=rules.STEPS[kind][0]))
        return self.render_template("applications/guide.html", kind=kind,
                                    kind_label=ENUM_LABELS[ApplicationType][kind])

    @expose("/<int:application_id>/<step>", methods=["GET", "POST"])
    @has_access
    def step(self, application_id: int, step: str):
        """Show or save one step of the wizard."""
        application = self._own(application_id)
        steps = rules.STEPS.get(application.type, ())
        if step not in steps:
            abort(404)
        if application.status not in EDITABLE:
            return redirect(url_for(".detail", application_id=application.id))
        answers = dict(application.data or {})
        error = None
        if request.method == "POST":
            if step == "review":
                action = "submit" if application.status == S.DRAFT else (
                    "resubmit" if application.status == S.RETURNED else "resubmit_correction")
                try:
                    act(current_actor(), application.id, action)
                except WorkflowError as refused:
                    error = refused.message
                else:
                    flash(_("Your application %(number)s has been submitted.", number=application.number), "success")
                    return redirect(url_for(".detail", application_id=application.id, submitted=1))
            else:
                answers.update(self._form_answers(step))
                try:
                    self._upload(application, step)
                    save_step(current_actor(), application.id, step, answers)
                except CommandError as refused:
                    error = refused.message
                else:
                    if request.args.get("back") == "review" or step == steps[-2]:
                        return redirect(url_for(".step", application_id=application.id, step="review"))
                    return redirect(url_for(".step", application_id=application.id, step=steps[steps.index(step) + 1]))
        return self.render_template(
            f"applications/step_{step}.html", application=application, answers=answers, error=error,
            step=step, number=steps.index(step) + 1, count=len(steps), steps=steps, step_labels=STEP_LABELS,
            kind_label=ENUM_LABELS[ApplicationType][application.type], **self._choices(application, step, answers),
        )

    @staticmethod
    def _upload(application: Application, step: str) -> None:
        """Store the file chosen on the photo or training step (checked first; a refusal keeps the draft)."""
        field = {"photo": uploads.PHOTO, "training": uploads.CERTIFICATE}.get(step)
        chosen = request.files.get("file") if field else None
        if chosen is not None and chosen.filename:
            upload(current_actor(), application.id, field, chosen.stream)
            db.session.expire(application)

    @staticmethod
    def _form_answers(step: str) -> dict:
        form = request.form
        if step == "location":
            return {"location_code": form.get("location_code", "").strip()}
        if step == "institution":
            return {"institution_id": form.get("institution_id", "").strip()}
        if step == "scopes":
            return {"scope_codes": form.getlist("scope_codes")[:10]}
        if step == "period":
            return {"valid_from": form.get("valid_from", ""), "valid_to": form.get("valid_to", "")}
        if step == "training":
            return {
                "residency_training": form.get("residency_training") == "yes",
                "title": form.get("title", "").strip()[:32],
                "training": {key: form.get(f"training_{key}", "").strip()[:128]
                             for key in ("institution", "started_on", "ended_on", "assessed_on")},
            }
        if step == "filing":
            return {"filing_id": form.get("filing_id", "")}
        if step == "reason":
            return {"reason": form.get("reason", "").strip()[:256]}
        return {}

    def _choices(self, application: Application, step: str, answers: dict) -> dict:
        session = db.session
        physician = self._physician()
        config = current_app.config
        if step == "photo":
            return {"photo_max_mb": f"{config['PHOTO_MAX_BYTES'] / MIB:g}", "photo_min_width": config["PHOTO_MIN_WIDTH"],
                    "photo_min_height": config["PHOTO_MIN_HEIGHT"]}
        if step == "location":
            level = self._level(application, physician)
            provinces = session.scalars(select(Region).where(Region.level == RegionLevel.PROVINCE, Region.active.is_(True))
                                        .order_by(Region.code)).all()
            province = request.args.get("province") or (answers.get("location_code") or "")[:2] + "0000"
            counties = []
            if level == PracticeLevel.ASSISTANT and province.strip("0"):
                counties = session.scalars(
                    select(Region).where(Region.code.between(province, province[:2] + "9999"), Region.active.is_(True),
                                         Region.level != RegionLevel.PROVINCE).order_by(Region.code)).all()
            return {"provinces": provinces, "counties": counties, "province": province, "level": level}
        if step == "institution":
            location = answers.get("location_code") or (application.registration.location_code if application.registration else "")
            term = (request.args.get("q") or "").strip()[:32]
            if not location:
                return {"institutions": [], "q": term}
            low, high = jurisdiction_bounds(location)  # the same code-range rule as the row scope
            statement = select(Institution).where(Institution.region_code.between(low, high))
            if term:
                statement = statement.where(Institution.name.contains(term))
            found = session.scalars(statement.order_by(Institution.name).limit(INSTITUTION_CHOICES)).all()
            return {"institutions": found, "q": term}
        if step == "scopes":
            if application.type == ApplicationType.FILING_ADD:
                return {"scopes": application.registration.scopes}
            _level, category = rules.level_and_category(session, physician, application)
            location = answers.get("location_code") or ""
            return {"scopes": list(rules.allowed_scopes(session, category, location).values()) if location else []}
        if step == "training":
            qualification = session.get(rules.Qualification, answers.get("qualification_id") or 0)
            from app.domain.clock import today_in_beijing
            from app.domain.eligibility import needs_training_proof

            needs = qualification is not None and needs_training_proof(
                qualification.issued_on or qualification.published_on, today_in_beijing())
            return {"needs_training": needs, "certificate_max_mb": f"{config['CERTIFICATE_MAX_BYTES'] / MIB:g}"}
        if step == "filing":
            return {"filings": [f for f in application.registration.filings if f.status == FilingStatus.ACTIVE]}
        if step == "review":
            return {"requested": requested_items(session, application)}
        return {}

    @staticmethod
    def _level(application: Application, physician: Physician) -> str:
        return rules.level_and_category(db.session, physician, application)[0]
