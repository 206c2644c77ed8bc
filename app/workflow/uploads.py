"""Files a physician uploads to a draft: the ID photo and the training certificate (web and API alike).

The file is checked and stored first (a refused file stores nothing and changes nothing), then the
draft is pointed at it in one command; if the command refuses, the new file is removed again. A
replaced file is removed once the draft no longer names it. Step answers never name a file: only
``attach_upload`` sets these keys, so a typed value cannot pass for an upload.
"""

from __future__ import annotations

from typing import IO

from sqlalchemy import select

from app.commands import unit_of_work
from app.documents.certificates import delete_certificate, store_certificate
from app.documents.photos import delete_photo, store_photo
from app.domain.enums import ApplicationType
from app.extensions import db
from app.models import Application
from app.security.scope import scoped
from app.workflow.commands import EDITABLE, Actor, _load, _physician
from app.workflow.errors import WorkflowError

PHOTO, CERTIFICATE = "photo", "certificate"
# Which application types take which upload (a 变更 keeps the registered photo).
ACCEPTS = {PHOTO: {ApplicationType.FIRST}, CERTIFICATE: {ApplicationType.FIRST}}
STORE = {PHOTO: store_photo, CERTIFICATE: store_certificate}
DELETE = {PHOTO: delete_photo, CERTIFICATE: delete_certificate}


def uploaded_key(data: dict | None, field: str) -> str | None:
    """Return the key of the file ``field`` an application's data names (None when none)."""
    data = data or {}
    if field == PHOTO:
        return data.get("photo")
    return (data.get("training") or {}).get("certificate")


def _with_key(data: dict | None, field: str, key: str | None) -> dict:
    out = dict(data or {})
    if field == PHOTO:
        if key:
            out["photo"] = key
        else:
            out.pop("photo", None)
        return out
    training = dict(out.get("training") or {})
    if key:
        training["certificate"] = key
    else:
        training.pop("certificate", None)
    if training or "training" in out:
        out["training"] = training
    return out


def keep_uploads(stored: dict | None, answers: dict) -> dict:
    """Return ``answers`` with the files the stored data names, whatever the answers say about them."""
    out = dict(answers)
    for field in (PHOTO, CERTIFICATE):
        out = _with_key(out, field, uploaded_key(stored, field))
    return out


def without_uploads(data: dict) -> dict:
    """Return client data without any file key (files come only through the upload routes)."""
    return keep_uploads({}, data)


def _check_editable(actor: Actor, application: Application | None, field: str) -> None:
    if application is None:
        raise WorkflowError("application_not_found")
    if application.status not in EDITABLE or application.physician_id != actor.scope.physician_id:
        raise WorkflowError("not_editable")
    if application.type not in ACCEPTS[field]:
        raise WorkflowError("upload_not_allowed")


def attach_upload(actor: Actor, application_id: int, field: str, key: str) -> tuple[Application, str | None]:
    """Point the acting physician's draft at the stored file ``key``; return it and the replaced key."""
    with unit_of_work() as session:
        application = _load(session, actor, application_id)
        _physician(session, actor)
        _check_editable(actor, application, field)
        replaced = uploaded_key(application.data, field)
        application.data = _with_key(application.data, field, key)
        return application, replaced


def upload(actor: Actor, application_id: int, field: str, file: bytes | IO[bytes] | None) -> Application:
    """Check, store and attach an uploaded file to a draft; raise CommandError and store nothing if refused."""
    if field not in ACCEPTS:
        raise WorkflowError("upload_not_allowed")
    found = db.session.scalars(
        scoped(select(Application).where(Application.id == application_id), Application, actor.scope)).one_or_none()
    _check_editable(actor, found, field)  # refuse before anything is written
    key = STORE[field](file)
    try:
        application, replaced = attach_upload(actor, application_id, field, key)
    except BaseException:
        DELETE[field](key)
        raise
    if replaced and replaced != key:
        DELETE[field](replaced)
    return application
