"""The physician's own pages (个人中心) and security settings."""

from __future__ import annotations

from flask import Response, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts import recovery
from app.accounts.errors import MESSAGES, AccountError
from app.accounts.progress import assessment_cycle_end, latest_registration
from app.documents.photos import read_photo
from app.domain import enums
from app.domain.clock import today_in_beijing
from app.domain.enums import Channel
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.labels import label_of
from app.models import Assessment, Physician, PracticeRegistration, Qualification
from app.security.scope import current_scope, scoped
from app.views.account import WELCOME_KEY, next_step_endpoint
from app.views.window import STATE_LABELS
from app.window.mine import MISSING, NEXT_STEPS, my_window
from app.workflow.profile_changes import pending_change

CONTACT_KEY = "contact_change"
NO_PHOTO = (  # a head-and-shoulders outline, drawn here so no file or CDN is needed
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 128" width="96" height="128">'
    '<rect width="96" height="128" fill="#f2f2f2"/><circle cx="48" cy="46" r="20" fill="#c8c8c8"/>'
    '<path d="M12 128c0-26 16-42 36-42s36 16 36 42z" fill="#c8c8c8"/></svg>'
)


def _own_physician() -> Physician | None:
    scope = current_scope()
    return db.session.get(Physician, scope.physician_id) if scope.physician_id else None


class PhysicianHomeView(BaseView):
    """个人中心: own qualification, registration, assessments and account state."""

    route_base = "/me"
    default_view = "index"
    # Every page here is the physician's own: one permission (can_index) covers them all.
    method_permission_name = {
        "security": "index", "photo": "index", "change_password": "index", "change_contact": "index", "confirm_contact": "index",
    }

    @expose("/")
    @has_access
    def index(self):
        """Show the physician's own records; other roles have no 个人中心 and go to their start page."""
        physician = _own_physician()
        if physician is None:
            return redirect(self.appbuilder.get_url_for_index)
        qualifications = db.session.scalars(
            scoped(select(Qualification), Qualification).order_by(Qualification.exam_year)
        ).all()
        registrations = db.session.scalars(
            scoped(select(PracticeRegistration), PracticeRegistration)
            .options(selectinload(PracticeRegistration.scopes), joinedload(PracticeRegistration.location),
                     joinedload(PracticeRegistration.institution))
            .order_by(PracticeRegistration.registered_on.desc())
        ).all()
        assessments = db.session.scalars(
            scoped(select(Assessment), Assessment).order_by(Assessment.cycle_end.desc())
        ).all()
        registration = latest_registration(physician)
        return self.render_template(
            "physician/home.html",
            physician=physician,
            user=g.user,
            qualifications=qualifications,
            registrations=registrations,
            registration=registration,
            cycle_end=assessment_cycle_end(registration, assessments),
            pending_change=pending_change(db.session, physician.id),
            assessments=assessments,
            next_step=next_step_endpoint(physician),
            mine=my_window(db.session, physician, today_in_beijing()),
            state_labels=STATE_LABELS, next_steps=NEXT_STEPS, missing_labels=MISSING,
            welcome=session.pop(WELCOME_KEY, False),
            mask_phone=mask_phone,
            mask_email=mask_email,
            label_of=label_of,
            enums=enums,
        )

    @expose("/photo")
    @has_access
    def photo(self):
        """Serve the physician's own photo (never anybody else's: no id in the URL), or a blank outline."""
        physician = _own_physician()
        body = read_photo(physician.photo) if physician is not None else None  # stored by documents.photos
        if body is None:
            return Response(NO_PHOTO, mimetype="image/svg+xml")
        return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})

    @expose("/security/")
    @has_access
    def security(self):
        """Show the verified contacts and the forms to change password, phone and e-mail."""
        physician = _own_physician()
        if physician is None:
            return redirect(url_for("MyPasswordView.this_form_get"))  # staff have their own settings page
        return self.render_template(
            "account/security.html", physician=physician, pending=session.get(CONTACT_KEY),
            mask_phone=mask_phone, mask_email=mask_email, complexity=MESSAGES["password_weak"],
            page_title=_("Account security"),
        )

    def _run(self, command, success: str, **kwargs):
        """Call a recovery command for the own profile; flash its refusal or ``success``."""
        physician = _own_physician()
        if physician is None:
            flash(_("Only physicians have these settings."), "warning")
            return None
        try:
            result = command(physician, ip=request.remote_addr, **kwargs)
        except AccountError as refusal:
            flash(refusal.message, "danger")
            return None
        flash(success, "success")
        return result or True

    @expose("/security/password", methods=["POST"])
    @has_access
    def change_password(self):
        """Change the password; the current one is required."""
        form = request.form
        self._run(recovery.change_password, _("Your password was changed."),
                  old=form.get("old", ""), password=form.get("password", ""), password2=form.get("password2", ""))
        return redirect(url_for("PhysicianHomeView.security"))

    @expose("/security/contact", methods=["POST"])
    @has_access
    def change_contact(self):
        """Send a code to the new phone or e-mail."""
        channel = Channel.EMAIL.value if request.form.get("channel") == Channel.EMAIL else Channel.SMS.value
        value = request.form.get("value", "").strip()
        masked = mask_phone(value) if channel == Channel.SMS else mask_email(value)
        target = self._run(recovery.start_contact_change, _("We sent a code to %(target)s.", target=masked),
                           channel=channel, value=value)
        if target:
            session[CONTACT_KEY] = {"channel": channel, "value": target}
        return redirect(url_for("PhysicianHomeView.security"))

    @expose("/security/contact/confirm", methods=["POST"])
    @has_access
    def confirm_contact(self):
        """Confirm the new phone or e-mail with the code sent to it."""
        pending = session.get(CONTACT_KEY)
        if not pending:
            return redirect(url_for("PhysicianHomeView.security"))
        if request.form.get("action") == "cancel":
            session.pop(CONTACT_KEY, None)
            return redirect(url_for("PhysicianHomeView.security"))
        done = self._run(recovery.confirm_contact_change, _("Your contact details were updated."),
                         channel=pending["channel"], value=pending["value"], code=request.form.get("code", ""))
        if done:
            session.pop(CONTACT_KEY, None)
        return redirect(url_for("PhysicianHomeView.security"))
