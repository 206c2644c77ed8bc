"""依职权注销 on the commission's registration screen: a form with the 医师法 §17 checklist.

Thin: parse the form, call app.workflow.measures.cancel_registration, flash, redirect to the detail
page. The detail page shows the registration's state (暂停执业至 …) and offers the action only to a
reviewer, only while the registration is not cancelled; rows outside the jurisdiction are 404.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.commands import CommandError
from app.domain.enums import OPEN_APPLICATION_STATUSES, FilingStatus, RegistrationStatus
from app.extensions import db
from app.models import Application, PracticeRegistration
from app.security.roles import COMMISSION_REVIEWER
from app.security.scope import current_scope
from app.workflow.commands import Actor
from app.workflow.errors import WorkflowError
from app.workflow.measures import MAX_NOTE, cancel_registration, cancellation_reason
from app.workflow.reasons import CANCELLATION_GROUNDS

FIELD_OF = {
    "cancellation_ground_required": "grounds", "cancellation_ground_unknown": "grounds",
    "cancellation_note_required": "note", "cancellation_note_too_long": "note",
    "cancellation_not_confirmed": "confirm",
}


def _placed(error: CommandError) -> CommandError:
    error.field = FIELD_OF.get(error.code)
    return error


def may_cancel(registration: PracticeRegistration) -> bool:
    """Tell whether the current user is offered 依职权注销 on this (in-scope) registration."""
    return current_scope().role == COMMISSION_REVIEWER and registration.status != RegistrationStatus.CANCELLED


class CancelRegistrationMixin:
    """Adds the 依职权注销 form to a scoped registration screen and the state panel to its detail page."""

    show_template = "registrations/show.html"

    def render_template(self, template, **kwargs):
        """Give the detail page the registration it shows (for the state panel and the action)."""
        if template == self.show_template and "pk" in kwargs:
            registration = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs.setdefault("registration", registration)
            kwargs.setdefault("can_cancel", registration is not None and may_cancel(registration))
        return super().render_template(template, **kwargs)

    @expose("/cancel/<pk>", methods=["GET", "POST"])
    @has_access
    def cancel(self, pk: str):
        """Show the cancellation form; on POST check it and cancel the registration ex officio."""
        registration = self._get_scoped_or_404(pk)  # the pk guard has already refused a non-number
        pk = registration.id
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        if current_scope().role != COMMISSION_REVIEWER:  # the operator (Admin) sees registrations, takes no measure
            flash(WorkflowError("measure_not_allowed").message, "warning")
            return redirect(show_url)
        if registration.status == RegistrationStatus.CANCELLED:
            flash(WorkflowError("registration_already_cancelled").message, "info")
            return redirect(show_url)
        grounds, note = request.form.getlist("grounds"), request.form.get("note", "")
        errors: list[CommandError] = []
        if request.method == "POST":
            try:
                cancellation_reason(grounds, note)
            except WorkflowError as error:
                errors.append(_placed(error))
            if request.form.get("confirm") != "yes":
                errors.append(_placed(WorkflowError("cancellation_not_confirmed")))
            if not errors:
                try:
                    cancel_registration(Actor(g.user.id, current_scope()), pk, grounds, note)
                except WorkflowError as error:
                    if error.status == 404:
                        abort(404)
                    flash(error.message, "danger")
                    return redirect(show_url)
                flash(_("The practice registration %(number)s was cancelled. The physician and the institutions were notified.",
                        number=registration.certificate_no), "success")
                return redirect(show_url)
        open_applications = db.session.scalars(select(Application).where(
            Application.registration_id == registration.id,
            Application.status.in_(OPEN_APPLICATION_STATUSES))).all()
        return self.render_template(
            "registrations/cancel.html", registration=registration, grounds=CANCELLATION_GROUNDS,
            chosen=set(grounds), note=note, errors=errors, show_url=show_url, max_note=MAX_NOTE,
            active_filings=[f for f in registration.filings if f.status == FilingStatus.ACTIVE],
            open_applications=open_applications, title=_("Cancel the practice registration ex officio"),
        )
