"""业务申请 screens: the institution's and the commission's queues, and one detail page with the timeline.

Thin views: parse the request, build the Actor, call app.workflow.commands, flash, redirect back to
the same filtered page. Which buttons a row offers comes from the transition table.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.counting import count_rows
from app.domain.clock import today_in_beijing
from app.domain.enums import OPEN_APPLICATION_STATUSES, ApplicationType
from app.domain.enums import ApplicationStatus as S
from app.exports.table import ExportTable
from app.exports.views import ExportMixin
from app.extensions import db
from app.labels import EMPTY, ENUM_LABELS
from app.models import Application, ApplicationEvent, Institution, Physician
from app.models.application import waiting_due
from app.security.scope import current_scope, scoped
from app.views.queue_rows import deadline_badge, queue_rows
from app.workflow.commands import Actor, act_many
from app.workflow.errors import WorkflowError
from app.workflow.progress import (
    beijing,
    calendar_for,
    deadline_of,
    holder_role,
    last_event_at,
    requested_items,
    waiting_days,
)
from app.workflow.reasons import LISTS, compose_reason
from app.workflow.transitions import BY_ACTION, available_actions

PAGE_SIZE = 25
ROLE_LABELS = {
    "Physician": _l("Physician"),
    "InstitutionAdmin": _l("Institution"),
    "CommissionReviewer": _l("Health commission"),
}


def waiting_first(statuses: list[str]) -> bool:
    """Whether a queue of ``statuses`` is work to do (all open): then the nearest deadline comes first.

    A list that holds closed applications (「全部」, 已准予注册 ...) is a record: the newest first.
    """
    return bool(statuses) and set(statuses) <= {s.value for s in OPEN_APPLICATION_STATUSES}


def queue_order(statuses: list[str]) -> tuple:
    """Order a queue as the page says: open ones by the deadline shown (then by age), others newest first.

    Both orders are read from an index (ix_application_waiting on the deadline expression, the
    primary key), so a page costs the same at 50,000 and at millions of applications.
    """
    if waiting_first(statuses):
        return (waiting_due().asc().nulls_last(), Application.submitted_at, Application.id)
    return (Application.id.desc(),)


def search_clause(term: str):
    """Match an application number exactly, or the physician's name by its beginning.

    Numbers hold digits and names never do, so each term takes one index (a number, or the name
    prefix) instead of an OR that can use neither.
    """
    if any(ch.isdigit() for ch in term):
        return Application.number == term.upper()
    return Application.physician_id.in_(select(Physician.id).where(Physician.name.startswith(term)))


def current_actor() -> Actor:
    """Return the actor of this request."""
    return Actor(g.user.id, current_scope())


def _int_arg(name: str, default: int, low: int = 1, high: int = 100_000) -> int:
    value = request.args.get(name, "")
    return min(max(int(value), low), high) if value.isdigit() else default


def _safe_next(default: str) -> str:
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    return target if target.startswith("/") and not parts.netloc and not target.startswith("//") else default


QUEUE_HEADERS = (_l("Application number"), _l("Type"), _l("Physician"), _l("Institution"), _l("Status"),
                 _l("Waiting (working days)"), _l("Submitted"), _l("Deadline"))


def chosen_ids() -> list[int]:
    """Return the row ids ticked in a queue's bulk form (anything that cannot be a key is dropped)."""
    return [int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 10]


class ApplicationQueueView(ExportMixin, BaseView):
    """A queue of applications inside the user's row scope, with single and bulk actions."""

    default_view = "queue"
    export_list_method = "queue"
    # the export needs the queue's own permission
    method_permission_name = {"queue": "queue", "detail": "detail", "act": "act", "export": "queue"}
    template_queue = "applications/queue.html"
    default_statuses: tuple[S, ...] = ()
    title = _l("Applications")

    def _statuses(self) -> list[str]:
        chosen = request.args.get("status", "")
        if chosen == "all":
            return []
        if chosen in S.__members__.values() or chosen in {s.value for s in S}:
            return [chosen]
        return [s.value for s in self.default_statuses]

    def _query(self, statuses: list[str]):
        statement = scoped(select(Application), Application, current_scope())
        if statuses:
            statement = statement.where(Application.status.in_(statuses))
        kind = request.args.get("type", "")
        if kind in {t.value for t in ApplicationType}:
            statement = statement.where(Application.type == kind)
        term = (request.args.get("q") or "").strip()[:32]
        if term:
            statement = statement.where(search_clause(term))
        return statement

    @expose("/")
    @has_access
    def queue(self):
        """List the applications of the queue, the longest waiting or nearest deadline first."""
        statuses = self._statuses()
        statement = self._query(statuses)
        total = count_rows(db.session, statement)  # 「约 N」 above the threshold
        page = _int_arg("page", 1)
        rows = db.session.execute(self._page(statement, statuses, page)).all()
        today = today_in_beijing()
        calendar = calendar_for(db.session, today)
        items = queue_rows(rows, calendar, today, current_actor().roles)
        bulk = sorted({t.action for item in items for t in item.actions}, key=list(BY_ACTION).index)
        return self.render_template(
            self.template_queue, items=items, total=total, page=page, page_size=PAGE_SIZE,
            bulk_actions=[BY_ACTION[a] for a in bulk], statuses=statuses, title=self.title,
            status_labels=ENUM_LABELS[S], type_labels=ENUM_LABELS[ApplicationType],
            default_statuses=[s.value for s in self.default_statuses], beijing=beijing,
            waiting_first=waiting_first(statuses),
            view_endpoint=self.endpoint,
        )

    def _page(self, statement, statuses: list[str], page: int):
        """Return one page of the queue: its ids picked in order first, then only those rows joined and dated.

        Joining and dating before the OFFSET would do it for every row skipped (25,000 on page 1000).
        """
        ids = (statement.with_only_columns(Application.id).order_by(*queue_order(statuses))
               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery("page"))
        return self._ordered(select(Application).join(ids, ids.c.id == Application.id), statuses)

    def _ordered(self, statement, statuses: list[str]):
        """Return the queue's rows in the page's order: (application, time of its last event)."""
        return (
            statement.add_columns(last_event_at())
            .options(joinedload(Application.physician).load_only(Physician.name),
                     joinedload(Application.institution).load_only(Institution.name))
            .order_by(*queue_order(statuses))
        )

    def export_table(self) -> ExportTable:
        """Return the whole queue of the request's filters, in the page's order and words."""
        statuses = self._statuses()
        statement = self._query(statuses)
        today = today_in_beijing()
        calendar = calendar_for(db.session, today)

        def rows():
            result = db.session.execute(self._ordered(statement, statuses).execution_options(yield_per=500))
            for chunk in result.partitions():
                for row in queue_rows(chunk, calendar, today, ()):
                    yield [row.number, row.type, row.physician, row.institution, row.status, row.waiting_days,
                           row.submitted, row.deadline.text if row.deadline else EMPTY]

        return ExportTable(
            title=str(self.title), headers=[str(h) for h in QUEUE_HEADERS], rows=rows(), filename="applications",
            count=count_rows(db.session, statement),
        )

    @expose("/<int:application_id>")
    @has_access
    def detail(self, application_id: int):
        """Show one application, its timeline and the actions the user may take."""
        application = db.session.scalars(
            scoped(select(Application).where(Application.id == application_id), Application, current_scope())
            .options(selectinload(Application.events).joinedload(ApplicationEvent.actor))
        ).one_or_none()
        if application is None:
            abort(404)
        today = today_in_beijing()
        calendar = calendar_for(db.session, today)
        return self.render_template(
            "applications/detail.html", application=application, title=self.title,
            actions=available_actions(application.status, current_actor().roles),
            deadline=deadline_badge(deadline_of(application, calendar, today)),
            waiting=waiting_days(application, calendar, today),
            holder=ROLE_LABELS.get(holder_role(application) or ""), role_labels=ROLE_LABELS,
            status_labels=ENUM_LABELS[S], type_labels=ENUM_LABELS[ApplicationType], beijing=beijing,
            back=url_for(f"{self.endpoint}.queue"), requested=requested_items(db.session, application),
            view_endpoint=self.endpoint, reason_lists=LISTS, **self.detail_extra(application),
        )

    def detail_extra(self, application: Application) -> dict:
        """Return what a subclass adds to the detail page."""
        return {}

    @expose("/act", methods=["POST"])
    @has_access
    def act(self):
        """Take one action on the chosen applications; report each refused one."""
        back = _safe_next(url_for(f"{self.endpoint}.queue"))
        action = request.form.get("action", "")
        ids = chosen_ids()
        if action not in BY_ACTION:
            abort(400)
        if not ids:
            flash(_("Choose at least one application first."), "warning")
            return redirect(back)
        try:
            reason = request.form.get("reason")
            if action in LISTS:
                reason = compose_reason(request.form.getlist("items"), reason, LISTS[action])
            result = act_many(current_actor(), ids, action, reason)
        except WorkflowError as error:
            flash(error.message, "danger")
            return redirect(back)
        if result.done:
            flash(ngettext("%(label)s: %(num)d application done.", "%(label)s: %(num)d applications done.",
                           len(result.done), label=BY_ACTION[action].label), "success")
        for number, message in result.refused.items():
            flash(_("%(number)s was not changed: %(message)s", number=number, message=message), "danger")
        return redirect(back)


class InstitutionQueueView(ApplicationQueueView):
    """申请审核 of an institution: applications naming it, to confirm or return."""

    route_base = "/institution/applications"
    default_statuses = (S.SUBMITTED,)
    title = _l("Applications to review")


class CommissionQueueView(ApplicationQueueView):
    """受理与审批 of a health commission: applications in its jurisdiction, by deadline."""

    route_base = "/commission/applications"
    default_statuses = (S.PENDING_ACCEPTANCE, S.ACCEPTED)
    title = _l("Acceptance and approval")
