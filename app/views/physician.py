"""The physician's own pages (个人中心)."""

from __future__ import annotations

from flask import g
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.domain import enums
from app.extensions import db
from app.labels import label_of
from app.models import Assessment, Physician, PracticeRegistration, Qualification
from app.security.scope import current_scope, scoped


class PhysicianHomeView(BaseView):
    """个人中心: own qualification, registration, assessments and account state."""

    route_base = "/me"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        """Show the physician's own records, and nothing of anybody else's."""
        scope = current_scope()
        physician = db.session.get(Physician, scope.physician_id) if scope.physician_id else None
        qualifications = db.session.scalars(
            scoped(select(Qualification), Qualification).order_by(Qualification.exam_year)
        ).all()
        registrations = db.session.scalars(
            scoped(select(PracticeRegistration), PracticeRegistration)
        ).all()
        assessments = db.session.scalars(
            scoped(select(Assessment), Assessment).order_by(Assessment.cycle_end.desc())
        ).all()
        return self.render_template(
            "physician/home.html",
            physician=physician,
            user=g.user,
            qualifications=qualifications,
            registrations=registrations,
            assessments=assessments,
            label_of=label_of,
            enums=enums,
        )
