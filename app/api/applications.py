"""业务申请 JSON API for the mobile client and the staff: the same commands as the pages.

Physicians file, fill in step by step, upload the photo and the training certificate (multipart),
submit and withdraw; institutions and commissions act on
the applications in their scope, one at a time or in bulk. Every refusal is the one error shape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, g, request
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.base import RegistryApi
from app.commands import CommandError
from app.counting import count_rows
from app.domain.clock import today_in_beijing
from app.domain.enums import ApplicationStatus, ApplicationType
from app.errors import json_error
from app.extensions import db
from app.labels import ENUM_LABELS
from app.models import Application
from app.security.scope import current_scope, scoped
from app.workflow.commands import Actor, act, act_many, create_application, save_step
from app.workflow.progress import (
    beijing,
    calendar_for,
    deadline_of,
    holder_role,
    requested_items,
    waiting_days,
)
from app.workflow.transitions import available_actions
from app.workflow.uploads import CERTIFICATE, PHOTO, upload, without_uploads

MAX_PAGE_SIZE = 100
MAX_BULK = 500
TAG = "Applications"


class BadBody(Exception):
    """The JSON body is missing or malformed."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def _refusals(view: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(view)
    def wrapper(self, *args: Any, **kwargs: Any) -> Response:
        try:
            return view(self, *args, **kwargs)
        except CommandError as error:
            return json_error(error.status, error.code, error.message, _jsonable(error.params))
        except BadBody as error:
            from flask_babel import gettext as _

            return json_error(400, "invalid_request", _("The request body is not valid: %(fields)s",
                                                        fields=", ".join(error.fields)), {"fields": error.fields})
    return wrapper


def _jsonable(params: dict) -> dict:
    return {key: value if isinstance(value, (int, float, bool, list)) or value is None else str(value)
            for key, value in params.items()}


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadBody(["body"])
    return body


def _actor() -> Actor:
    return Actor(g.user.id, current_scope())


def _label(enum, value) -> str:
    return str(ENUM_LABELS[enum].get(value, value))


def _time(moment) -> str | None:
    return beijing(moment).isoformat(timespec="minutes") if moment else None


def application_out(application: Application, full: bool = False) -> dict[str, Any]:
    """Return the JSON form of an application (with its timeline when ``full``)."""
    out = {
        "id": application.id, "number": application.number,
        "type": application.type, "type_label": _label(ApplicationType, application.type),
        "status": application.status, "status_label": _label(ApplicationStatus, application.status),
        "physician_name": application.physician.name, "institution_id": application.institution_id,
        "submitted_at": _time(application.submitted_at),
        "actions": [t.action for t in available_actions(application.status, _actor().roles)],
    }
    if full:
        today = today_in_beijing()
        calendar = calendar_for(db.session, today)
        deadline = deadline_of(application, calendar, today)
        out.update(
            data=application.data,
            requested=[{"label": str(label), "value": value} for label, value in requested_items(db.session, application)],
            institution_opinion=application.institution_opinion, decision_comment=application.decision_comment,
            holder=holder_role(application), waiting_working_days=waiting_days(application, calendar, today),
            deadline=None if deadline is None else {
                "kind": deadline.kind, "due": deadline.due.isoformat() if deadline.due else None,
                "working_days_left": deadline.left},
            timeline=[{
                "action": e.action, "from": e.from_status, "to": e.to_status,
                "to_label": _label(ApplicationStatus, e.to_status), "role": e.actor_role,
                "comment": e.comment, "at": _time(e.created_at)} for e in application.events],
        )
    return out


def _int_arg(name: str, default: int, high: int) -> int:
    value = request.args.get(name, "")
    if value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise BadBody([name])
    return int(value)


class ApplicationWorkflowApi(RegistryApi):
    """/api/v1/applications/: list, read, file, fill in and act on applications in the caller's scope."""

    resource_name = "applications"
    openapi_spec_tag = TAG
    class_permission_name = "ApplicationWorkflowApi"
    method_permission_name = {"list_": "read", "get": "read", "create": "write", "step": "write",
                              "upload_photo": "write", "upload_certificate": "write",
                              "act_one": "write", "act_bulk": "write"}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def list_(self) -> Response:
        """List the applications in the caller's scope.
        ---
        get:
          summary: Applications in scope (newest first); ?status=, ?type=, ?page=, ?page_size=
          responses:
            200:
              description: A page of applications
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      page: {type: integer}
                      page_size: {type: integer}
                      result: {type: array, items: {type: object}}
            400: {description: Bad paging or filter argument}
            401: {description: Not logged in}
        """
        page, size = _int_arg("page", 1, 100_000), _int_arg("page_size", 25, MAX_PAGE_SIZE)
        statement = scoped(select(Application), Application, current_scope())
        status, kind = request.args.get("status"), request.args.get("type")
        if status:
            if status not in {s.value for s in ApplicationStatus}:
                raise BadBody(["status"])
            statement = statement.where(Application.status == status)
        if kind:
            if kind not in {t.value for t in ApplicationType}:
                raise BadBody(["type"])
            statement = statement.where(Application.type == kind)
        total = count_rows(db.session, statement)  # 「约 N」 above the threshold
        rows = db.session.scalars(statement.order_by(Application.id.desc()).limit(size).offset((page - 1) * size))
        return self.response(200, count=total, count_estimated=total.estimated, page=page, page_size=size,
                             result=[application_out(a) for a in rows])

    @expose("/<int:application_id>", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def get(self, application_id: int) -> Response:
        """Return one application with its timeline.
        ---
        get:
          summary: One application, its requested items, deadline and timeline
          parameters:
          - {in: path, name: application_id, required: true, schema: {type: integer}}
          responses:
            200: {description: The application}
            404: {description: Not found or outside the caller's scope}
        """
        application = db.session.scalars(
            scoped(select(Application).where(Application.id == application_id), Application, current_scope())
            .options(selectinload(Application.events))).one_or_none()
        if application is None:
            raise CommandError("application_not_found", 404)
        return self.response(200, **application_out(application, full=True))

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def create(self) -> Response:
        """File an application: {"type", "data", "submit": true|false}.
        ---
        post:
          summary: File an application (submitted at once, or a draft to fill in with /steps)
          responses:
            201: {description: Created}
            400: {description: Refused by a rule (code and Chinese message)}
            409: {description: Another application is in progress}
        """
        body = _body()
        kind, data = body.get("type"), body.get("data", {})
        if not isinstance(kind, str) or not isinstance(data, dict):
            raise BadBody(["type" if not isinstance(kind, str) else "data"])
        application = create_application(_actor(), kind, without_uploads(data), submit=bool(body.get("submit", True)))
        return self.response(201, **application_out(application, full=True))

    @expose("/<int:application_id>/steps/<step>", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def step(self, application_id: int, step: str) -> Response:
        """Save one step of a draft: {"data": {...}}.
        ---
        post:
          summary: Check and keep the answers of one step (photo, location, institution, scopes, training, period, filing, reason); files go through the upload routes
          parameters:
          - {in: path, name: application_id, required: true, schema: {type: integer}}
          - {in: path, name: step, required: true, schema: {type: string}}
          responses:
            200: {description: Saved}
            400: {description: Refused by a rule}
            404: {description: Not found or outside the caller's scope}
        """
        data = _body().get("data")
        if not isinstance(data, dict):
            raise BadBody(["data"])
        return self.response(200, **application_out(save_step(_actor(), application_id, step, data), full=True))

    def _upload(self, application_id: int, field: str) -> Response:
        chosen = request.files.get("file")
        if chosen is None or not chosen.filename:
            raise BadBody(["file"])
        return self.response(200, **application_out(upload(_actor(), application_id, field, chosen.stream), full=True))

    @expose("/<int:application_id>/photo", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def upload_photo(self, application_id: int) -> Response:
        """Upload the ID photo of a first-registration draft (multipart, field "file"); replaces the previous one.
        ---
        post:
          summary: Upload the ID photo of a draft (JPEG or PNG; checked, re-encoded, metadata removed)
          parameters:
          - {in: path, name: application_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties:
                    file: {type: string, format: binary, description: JPEG or PNG photo}
          responses:
            200: {description: Stored; the application with data.photo set}
            400: {description: Not a picture, too small, too many pixels, or no file (code and Chinese message)}
            404: {description: Not found or outside the caller's scope}
            413: {description: The file is too large}
        """
        return self._upload(application_id, PHOTO)

    @expose("/<int:application_id>/training-certificate", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def upload_certificate(self, application_id: int) -> Response:
        """Upload the training certificate of a first-registration draft (multipart, field "file").
        ---
        post:
          summary: Upload the training certificate of a draft (JPEG, PNG or PDF) for the 2-year rule
          parameters:
          - {in: path, name: application_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties:
                    file: {type: string, format: binary, description: JPEG, PNG or PDF certificate}
          responses:
            200: {description: Stored; the application with data.training.certificate set}
            400: {description: Not a picture or a readable PDF, or no file (code and Chinese message)}
            404: {description: Not found or outside the caller's scope}
            413: {description: The file is too large}
        """
        return self._upload(application_id, CERTIFICATE)

    @expose("/<int:application_id>/actions/<action>", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def act_one(self, application_id: int, action: str) -> Response:
        """Take an action on one application: {"reason": "…"}.
        ---
        post:
          summary: submit, resubmit, withdraw, confirm, return, accept, ask_correction, not_accept, approve, refuse
          parameters:
          - {in: path, name: application_id, required: true, schema: {type: integer}}
          - {in: path, name: action, required: true, schema: {type: string}}
          responses:
            200: {description: Done}
            400: {description: Refused (e.g. reason_required)}
            403: {description: The caller's role may not take this action}
            404: {description: Not found or outside the caller's scope}
            409: {description: Already handled by someone else}
        """
        body = request.get_json(silent=True) if request.data else {}
        reason = body.get("reason") if isinstance(body, dict) else None
        if reason is not None and not isinstance(reason, str):
            raise BadBody(["reason"])
        return self.response(200, **application_out(act(_actor(), application_id, action, reason), full=True))

    @expose("/actions/<action>", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def act_bulk(self, action: str) -> Response:
        """Take one action on several applications: {"ids": [...], "reason": "…"}.
        ---
        post:
          summary: Bulk action; each refused application is listed with its message
          parameters:
          - {in: path, name: action, required: true, schema: {type: string}}
          responses:
            200: {description: Per-application result}
            400: {description: Malformed body}
        """
        body = _body()
        ids, reason = body.get("ids"), body.get("reason")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_BULK or not all(
                isinstance(i, int) and 0 < i < 2**31 for i in ids):
            raise BadBody(["ids"])
        if reason is not None and not isinstance(reason, str):
            raise BadBody(["reason"])
        result = act_many(_actor(), ids, action, reason)
        return self.response(200, done=result.done, refused=result.refused)
