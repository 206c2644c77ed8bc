"""What the document routes call: load an application the reader may see, its photo, its PDF."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app.documents.certificates import read_certificate
from app.documents.form import build_form
from app.documents.pdf import render_form
from app.documents.photos import read_photo
from app.documents.verification import verification_url
from app.domain.enums import ApplicationStatus, ApplicationType
from app.models import Application
from app.security.scope import Scope, scoped


def visible_application(session: Session, application_id: int, scope: Scope) -> Application | None:
    """Return the application if ``scope`` may see it (its physician, institution, reviewers), else None."""
    statement = select(Application).where(Application.id == application_id)
    return session.scalars(scoped(statement, Application, scope)).one_or_none()


def registered_photo_key(session: Session, physician_id: int) -> str | None:
    """Return the photo of the physician's approved first registration (the registered photo)."""
    rows = session.scalars(
        select(Application.data).where(
            Application.physician_id == physician_id, Application.type == ApplicationType.FIRST,
            Application.status == ApplicationStatus.APPROVED).order_by(Application.id.desc()))
    return next((data.get("photo") for data in rows if (data or {}).get("photo")), None)


def application_photo(application: Application) -> bytes | None:
    """Return the JPEG of the application's photo: the one uploaded with it, else the registered one."""
    key = (application.data or {}).get("photo")
    if not key and application.type != ApplicationType.FIRST:  # a 变更 keeps the registered photo
        key = registered_photo_key(object_session(application), application.physician_id)
    return read_photo(key or application.physician.photo)


def application_certificate(application: Application) -> tuple[bytes, str] | None:
    """Return the uploaded training certificate of an application and its MIME type, or None."""
    return read_certificate(((application.data or {}).get("training") or {}).get("certificate"))


def application_form_pdf(session: Session, application: Application, viewer: Scope) -> bytes:
    """Return the 申请审核表 of an application as ``viewer`` may read it."""
    content = build_form(session, application, viewer, verification_url(application), application_photo(application))
    return render_form(content)
