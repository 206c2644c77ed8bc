"""What the document routes call: load an application the reader may see, its photo, its PDF."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents.form import build_form
from app.documents.pdf import render_form
from app.documents.photos import read_photo
from app.documents.verification import verification_url
from app.models import Application
from app.security.scope import Scope, scoped


def visible_application(session: Session, application_id: int, scope: Scope) -> Application | None:
    """Return the application if ``scope`` may see it (its physician, institution, reviewers), else None."""
    statement = select(Application).where(Application.id == application_id)
    return session.scalars(scoped(statement, Application, scope)).one_or_none()


def application_photo(application: Application) -> bytes | None:
    """Return the JPEG of the application's photo (the one uploaded with it, else the profile's)."""
    key = (application.data or {}).get("photo") or application.physician.photo
    return read_photo(key)


def application_form_pdf(session: Session, application: Application, viewer: Scope) -> bytes:
    """Return the 申请审核表 of an application as ``viewer`` may read it."""
    content = build_form(session, application, viewer, verification_url(application), application_photo(application))
    return render_form(content)
