"""信息变更 screens: the physician's form and history (/me/profile-changes/), the institution's queue
(/institution/profile-changes/, confirm or return, single and bulk) and the commission's read-only list.

Thin views: parse the request, build the Actor, call app.workflow.profile_changes, flash, redirect
back to the same filtered page. Every row is loaded through the row scope (404 outside it).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.commands import CommandError
from app.counting import count_rows
from app.documents.photos import read_photo
from app.domain.enums import ProfileChangeStatus as PC
from app.exports.table import ExportTable, batched
from app.exports.views import ExportMixin
from app.extensions import db
from app.labels import EMPTY, ENUM_LABELS, format_time, label_of
from app.models import Department, Physician, ProfileChange
from app.security.scope import current_scope, scoped
from app.views.applications import _int_arg, _safe_next, chosen_ids, current_actor
from app.views.documents import PRIVATE
from app.workflow.profile_changes import act_on_change, act_on_many, request_change
from app.workflow.profile_rules import (
    ACTIONS,
    EDUCATION_LEVELS,
    STAFF_ACTIONS,
    TITLE_SUGGESTIONS,
    available_change_actions,
    change_items,
    department_names,
    field_of,
)

PAGE_SIZE = 25
FORM_FIELDS = ("education", "school", "title", "department_id")
CHANGE_HEADERS = (_l("Physician"), _l("Institution"), _l("Changes (current → requested)"), _l("Status"),
                  _l("Reason"), _l("Submitted"))


def item_text(item: dict) -> str:
    """Return one changed field as the queue shows it: 学历：本科 → 硕士研究生 (a photo by name)."""
    if item["field"] == "photo":
        return f"{item['label']}：{_('Requested photo')}"
    old = item["old"] if item["old"] not in (None, "") else EMPTY
    return f"{item['label']}：{old} → {item['new']}"


def change_cells(row: dict) -> list:
    """Return one request's cells as the queue shows them (the export's row)."""
    change = row["change"]
    return [change.physician.name, change.institution.name if change.institution else EMPTY,
            "；".join(item_text(item) for item in row["items"]), label_of(PC, change.status),
            change.reason or EMPTY, format_time(change.created_at)]


def _scoped_change(change_id: int) -> ProfileChange:
    change = db.session.scalars(scoped(
        select(ProfileChange).where(ProfileChange.id == change_id), ProfileChange, current_scope()
    ).options(joinedload(ProfileChange.physician), joinedload(ProfileChange.institution))).one_or_none()
    if change is None:
        abort(404)
    return change


def _photo_response(change_id: int, which: str) -> Response:
    """Send the requested (new) or replaced (old) photo of a request the reader may see."""
    if which not in ("new", "old"):
        abort(404)
    change = _scoped_change(change_id)
    values = change.requested if which == "new" else change.previous
    body = read_photo((values or {}).get("photo"))
    if body is None:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers=PRIVATE)


def _with_items(changes: list[ProfileChange]) -> list[dict]:
    names = department_names(db.session, changes)
    role = current_scope().role
    return [{"change": c, "items": change_items(c, names), "actions": available_change_actions(c.status, role)}
            for c in changes]


def _ordered(statement):
    """Order a queue of requests as its page does: the pending first, the longest waiting first."""
    return statement.options(joinedload(ProfileChange.physician), joinedload(ProfileChange.institution)).order_by(
        ProfileChange.status != PC.PENDING, ProfileChange.created_at, ProfileChange.id)


class MyProfileChangeView(BaseView):
    """信息变更 of the physician: the form (prefilled with the current values), the pending request, the history."""

    route_base = "/me/profile-changes"
    default_view = "index"
    method_permission_name = {"index": "read", "photo": "read", "create": "write", "withdraw": "write"}

    def _physician(self) -> Physician:
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        if physician is None:
            abort(403)
        return physician

    def _page(self, physician: Physician, values: dict | None = None, error: CommandError | None = None):
        changes = db.session.scalars(scoped(select(ProfileChange), ProfileChange, current_scope())
                                     .order_by(ProfileChange.id.desc())).all()
        rows = _with_items(list(changes))
        pending = next((row for row in rows if row["change"].status == PC.PENDING), None)
        departments = db.session.scalars(select(Department).where(
            Department.institution_id == physician.institution_id, Department.active.is_(True))
            .order_by(Department.name)).all() if physician.institution_id else []
        current = {name: getattr(physician, name) for name in FORM_FIELDS}
        return self.render_template(
            "profile_changes/mine.html", physician=physician, values=values or current, error=error,
            pending=pending, history=[row for row in rows if row is not pending], departments=departments,
            error_field=field_of(error) if error else None,
            education_levels=EDUCATION_LEVELS, title_suggestions=TITLE_SUGGESTIONS, status_labels=ENUM_LABELS[PC],
            format_time=format_time, title=_("Error: change my details") if error else _("Change my details"),
        )

    @expose("/")
    @has_access
    def index(self):
        """Show the form, the request waiting for the institution and the history (staff have no such page)."""
        physician = db.session.get(Physician, current_scope().physician_id or 0)
        if physician is None:
            return redirect(self.appbuilder.get_url_for_index)
        return self._page(physician)

    @expose("/", methods=["POST"])
    @has_access
    def create(self):
        """File a change request; a refusal shows the form again with the answers kept."""
        physician = self._physician()
        values = {name: request.form.get(name, "") for name in FORM_FIELDS}
        upload = request.files.get("photo")
        photo = upload.stream if upload is not None and upload.filename else None
        try:
            request_change(current_actor(), values, photo=photo)
        except CommandError as error:
            return self._page(physician, values, error)
        flash(_("Your change request was sent to %(institution)s. It takes effect once they confirm it.",
                institution=physician.institution.name), "success")
        return redirect(url_for(".index"))

    @expose("/<int:change_id>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, change_id: int):
        """Withdraw the pending request."""
        try:
            act_on_change(current_actor(), change_id, "withdraw")
        except CommandError as error:
            if error.status == 404:
                abort(404)
            flash(error.message, "danger")
        else:
            flash(_("Your change request was withdrawn."), "success")
        return redirect(url_for(".index"))

    @expose("/<int:change_id>/photo/<which>")
    @has_access
    def photo(self, change_id: int, which: str):
        """Send the new or the replaced photo of one of the physician's own requests."""
        return _photo_response(change_id, which)


class ProfileChangeQueueView(ExportMixin, BaseView):
    """信息变更 requests inside the user's row scope: a filtered list and one detail page per request."""

    default_view = "queue"
    export_list_method = "queue"
    title = _l("Profile change requests")
    default_status: str | None = PC.PENDING

    def _query(self):
        statement = scoped(select(ProfileChange), ProfileChange, current_scope())
        chosen = request.args.get("status", "")
        if chosen in {s.value for s in PC}:
            statement = statement.where(ProfileChange.status == chosen)
        elif chosen != "all" and self.default_status:
            statement = statement.where(ProfileChange.status == self.default_status)
        term = (request.args.get("q") or "").strip()[:32]
        if term:
            statement = statement.where(ProfileChange.physician_id.in_(
                select(Physician.id).where(Physician.name.startswith(term))))
        return statement

    @expose("/")
    @has_access
    def queue(self):
        """List the requests, the longest waiting first."""
        statement = self._query()
        total = count_rows(db.session, statement)  # 「约 N」 above the threshold
        page = _int_arg("page", 1)
        changes = db.session.scalars(_ordered(statement).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        rows = _with_items(list(changes))
        bulk = [ACTIONS[a] for a in STAFF_ACTIONS if any(ACTIONS[a] in row["actions"] for row in rows)]
        return self.render_template(
            "profile_changes/queue.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
            bulk_actions=bulk, title=self.title, status_labels=ENUM_LABELS[PC], format_time=format_time,
            view_endpoint=self.endpoint, can_act=hasattr(self, "act"),
        )

    def export_table(self) -> ExportTable:
        """Return every request of the request's filters, in the page's order and words."""
        statement = self._query()

        def rows():
            result = db.session.scalars(_ordered(statement).execution_options(yield_per=500))
            for chunk in batched(result):
                yield from (change_cells(row) for row in _with_items(chunk))

        return ExportTable(
            title=str(self.title), headers=[str(h) for h in CHANGE_HEADERS], rows=rows(), filename="profile-changes",
            count=db.session.scalar(select(func.count()).select_from(statement.subquery())),
        )

    @expose("/<int:change_id>")
    @has_access
    def detail(self, change_id: int):
        """Show one request: each item's old and new value side by side, and what the user may do."""
        row = _with_items([_scoped_change(change_id)])[0]
        return self.render_template(
            "profile_changes/detail.html", row=row, title=self.title, status_labels=ENUM_LABELS[PC],
            format_time=format_time, view_endpoint=self.endpoint, back=url_for(f"{self.endpoint}.queue"),
        )

    @expose("/<int:change_id>/photo/<which>")
    @has_access
    def photo(self, change_id: int, which: str):
        """Send the new or the replaced photo of a request in scope."""
        return _photo_response(change_id, which)


class InstitutionProfileChangeView(ProfileChangeQueueView):
    """信息变更审核 of an institution: its physicians' requests, to confirm or return with a reason."""

    route_base = "/institution/profile-changes"
    method_permission_name = {"queue": "queue", "detail": "detail", "photo": "detail", "act": "act", "export": "queue"}

    @expose("/act", methods=["POST"])
    @has_access
    def act(self):
        """Confirm or return the chosen requests; report each refused one."""
        back = _safe_next(url_for(f"{self.endpoint}.queue"))
        action = request.form.get("action", "")
        ids = chosen_ids()
        if action not in STAFF_ACTIONS:
            abort(400)
        if not ids:
            flash(_("Choose at least one request first."), "warning")
            return redirect(back)
        result = act_on_many(current_actor(), ids, action, request.form.get("reason"))
        if result.done:
            flash(ngettext("%(label)s: %(num)d request done.", "%(label)s: %(num)d requests done.",
                           len(result.done), label=ACTIONS[action].label), "success")
        names = dict(db.session.execute(select(ProfileChange.id, Physician.name).join(Physician).where(
            ProfileChange.id.in_(list(result.refused)))).all()) if result.refused else {}
        for change_id, message in result.refused.items():
            flash(_("The request of %(name)s was not changed: %(message)s",
                    name=names.get(change_id, change_id), message=message), "danger")
        return redirect(back)


class CommissionProfileChangeView(ProfileChangeQueueView):
    """信息变更 requests in the commission's jurisdiction, read-only (the institution decides)."""

    route_base = "/commission/profile-changes"
    title = _l("Profile change records")
    default_status = None
    method_permission_name = {"queue": "queue", "detail": "detail", "photo": "detail", "export": "queue"}
