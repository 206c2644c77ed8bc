"""信息变更 JSON API for the mobile client and the institutions: the same commands as the pages.

Physicians read their form, file a request (JSON, or multipart/form-data with a ``photo`` file),
list their own and withdraw a pending one; institution admins list their physicians' requests and
confirm or return them, one at a time or in bulk; reviewers read those of their jurisdiction.
Every refusal is the one error shape.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api.applications import MAX_BULK, MAX_PAGE_SIZE, BadBody, _actor, _body, _int_arg, _refusals, _time
from app.api.base import RegistryApi
from app.counting import count_rows
from app.documents.photos import read_photo
from app.domain.enums import ProfileChangeStatus
from app.extensions import db
from app.labels import ENUM_LABELS
from app.models import Department, Physician, ProfileChange
from app.security.scope import current_scope, scoped
from app.views.documents import PRIVATE
from app.workflow.profile_changes import act_on_change, act_on_many, pending_change, request_change
from app.workflow.profile_rules import (
    EDUCATION_LEVELS,
    FIELD_LABELS,
    TITLE_SUGGESTIONS,
    ProfileChangeError,
    available_change_actions,
    change_items,
    current_values,
    department_names,
)

VALUE_FIELDS = ("education", "school", "title", "department_id")
BASE = "/api/v1/profile-changes"


def change_out(change: ProfileChange, names: dict[int, str]) -> dict[str, Any]:
    """Return the JSON form of a request: each item's current and requested value side by side."""
    items = []
    for item in change_items(change, names):
        out = {"field": item["field"], "label": str(item["label"]), "old": item["old"], "new": item["new"]}
        if item["field"] == "photo":  # keys stay internal: the client gets the scoped addresses
            out["old"] = f"{BASE}/{change.id}/photo/old" if item["old"] else None
            out["new"] = f"{BASE}/{change.id}/photo/new"
        elif item["field"] == "department_id":
            out["old_id"], out["new_id"] = change.previous.get("department_id"), change.requested["department_id"]
        items.append(out)
    return {
        "id": change.id, "physician_id": change.physician_id, "physician_name": change.physician.name,
        "institution_id": change.institution_id, "status": change.status,
        "status_label": str(ENUM_LABELS[ProfileChangeStatus].get(change.status, change.status)),
        "items": items, "reason": change.reason,
        "created_at": _time(change.created_at), "decided_at": _time(change.decided_at),
        "actions": [a.action for a in available_change_actions(change.status, current_scope().role)],
    }


def _scoped_change(change_id: int) -> ProfileChange:
    change = db.session.scalars(scoped(select(ProfileChange).where(ProfileChange.id == change_id),
                                       ProfileChange, current_scope())
                                .options(joinedload(ProfileChange.physician))).one_or_none()
    if change is None:
        raise ProfileChangeError("profile_change_not_found")
    return change


def _one(change: ProfileChange) -> dict[str, Any]:
    return change_out(change, department_names(db.session, [change]))


def _reason() -> str | None:
    body = request.get_json(silent=True) if request.data else {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise BadBody(["reason"])
    return reason


class ProfileChangeApi(RegistryApi):
    """/api/v1/profile-changes/: 信息变更 requests in the caller's scope."""

    resource_name = "profile-changes"
    openapi_spec_tag = "Profile changes"
    class_permission_name = "ProfileChangeApi"
    method_permission_name = {"form": "read", "list_": "read", "get": "read", "photo": "read",
                              "create": "write", "act_one": "write", "act_bulk": "write"}
    allow_browser_login = True

    @expose("/form", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def form(self) -> Response:
        """Return what the physician's change form needs.
        ---
        get:
          summary: The physician's current values, the choices (education, titles, departments) and the pending request
          responses:
            200: {description: The form}
            403: {description: Not a physician}
        """
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        if physician is None:
            raise ProfileChangeError("profile_action_not_allowed")
        current = current_values(physician)
        departments = db.session.scalars(select(Department).where(
            Department.institution_id == physician.institution_id, Department.active.is_(True))
            .order_by(Department.name)).all()
        pending = pending_change(db.session, physician.id)
        return self.response(
            200, current={name: current[name] for name in VALUE_FIELDS},
            has_photo=bool(physician.photo), labels={k: str(v) for k, v in FIELD_LABELS.items()},
            education_levels=list(EDUCATION_LEVELS), title_suggestions=list(TITLE_SUGGESTIONS),
            departments=[{"id": d.id, "name": d.name} for d in departments],
            pending=_one(pending) if pending else None,
        )

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def list_(self) -> Response:
        """List the requests in the caller's scope.
        ---
        get:
          summary: Change requests in scope (newest first); ?status=pending|confirmed|returned|withdrawn, ?page=, ?page_size=
          responses:
            200:
              description: A page of requests
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
        """
        page, size = _int_arg("page", 1, 100_000), _int_arg("page_size", 25, MAX_PAGE_SIZE)
        statement = scoped(select(ProfileChange), ProfileChange, current_scope())
        status = request.args.get("status")
        if status:
            if status not in {s.value for s in ProfileChangeStatus}:
                raise BadBody(["status"])
            statement = statement.where(ProfileChange.status == status)
        total = count_rows(db.session, statement)  # 「约 N」 above the threshold
        rows = db.session.scalars(statement.options(joinedload(ProfileChange.physician))
                                  .order_by(ProfileChange.id.desc()).limit(size).offset((page - 1) * size)).all()
        names = department_names(db.session, rows)
        return self.response(200, count=total, count_estimated=total.estimated, page=page, page_size=size, result=[change_out(c, names) for c in rows])

    @expose("/<int:change_id>", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def get(self, change_id: int) -> Response:
        """Return one request.
        ---
        get:
          summary: One change request with its items (current and requested values)
          parameters:
          - {in: path, name: change_id, required: true, schema: {type: integer}}
          responses:
            200: {description: The request}
            404: {description: Not found or outside the caller's scope}
        """
        return self.response(200, **_one(_scoped_change(change_id)))

    @expose("/<int:change_id>/photo/<which>", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def photo(self, change_id: int, which: str) -> Response:
        """Send the requested (new) or replaced (old) photo of a request.
        ---
        get:
          summary: The JPEG of the requested (new) or replaced (old) photo
          parameters:
          - {in: path, name: change_id, required: true, schema: {type: integer}}
          - {in: path, name: which, required: true, schema: {type: string, enum: [new, old]}}
          responses:
            200: {description: The photo, content: {image/jpeg: {}}}
            404: {description: No such photo, or outside the caller's scope}
        """
        change = _scoped_change(change_id)
        values = change.requested if which == "new" else change.previous if which == "old" else {}
        body = read_photo((values or {}).get("photo"))
        if body is None:
            return self.response_404()
        return Response(body, mimetype="image/jpeg", headers=PRIVATE)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def create(self) -> Response:
        """File a change request.
        ---
        post:
          summary: >-
            File a change request: JSON {"education", "school", "title", "department_id"} (absent or empty =
            unchanged), or multipart/form-data with the same fields and an optional "photo" file (JPEG or PNG)
          responses:
            201: {description: Created, waiting for the institution's confirmation}
            400: {description: Refused by a rule (code and Chinese message)}
            409: {description: A request is already waiting}
            413: {description: The photo is too large}
        """
        photo = None
        if request.mimetype == "multipart/form-data":
            values = {name: request.form.get(name, "") for name in VALUE_FIELDS}
            upload = request.files.get("photo")
            photo = upload.stream if upload is not None and upload.filename else None
        else:
            body = _body()
            values = {name: body.get(name) for name in VALUE_FIELDS}
        change = request_change(_actor(), values, photo=photo)
        return self.response(201, **_one(change))

    @expose("/<int:change_id>/actions/<action>", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def act_one(self, change_id: int, action: str) -> Response:
        """Take an action on one request: {"reason": "…"}.
        ---
        post:
          summary: withdraw (physician), confirm or return (institution; return needs a reason)
          parameters:
          - {in: path, name: change_id, required: true, schema: {type: integer}}
          - {in: path, name: action, required: true, schema: {type: string, enum: [withdraw, confirm, return]}}
          responses:
            200: {description: Done}
            400: {description: Refused (e.g. reason_required)}
            403: {description: The caller's role may not take this action}
            404: {description: Not found or outside the caller's scope}
            409: {description: Already handled}
        """
        return self.response(200, **_one(act_on_change(_actor(), change_id, action, _reason())))

    @expose("/actions/<action>", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def act_bulk(self, action: str) -> Response:
        """Confirm or return several requests: {"ids": [...], "reason": "…"}.
        ---
        post:
          summary: Bulk confirm or return; each refused request is listed with its message
          parameters:
          - {in: path, name: action, required: true, schema: {type: string, enum: [confirm, return]}}
          responses:
            200: {description: Per-request result}
            400: {description: Malformed body}
        """
        body = _body()
        ids, reason = body.get("ids"), body.get("reason")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_BULK or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids):
            raise BadBody(["ids"])
        if reason is not None and not isinstance(reason, str):
            raise BadBody(["reason"])
        result = act_on_many(_actor(), ids, action, reason)
        return self.response(200, done=result.done, refused={str(k): v for k, v in result.refused.items()})
