"""The front page: the public home for visitors, a start page with counts for staff, /me/ for physicians."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, g, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.domain.clock import today_in_beijing
from app.domain.enums import AccountStatus, ApplicationStatus
from app.extensions import db
from app.models import Application, Physician
from app.models.application import overdue_by_status
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN
from app.security.scope import Scope, current_scope, scoped


@dataclass(frozen=True)
class Tile:
    """One count on the start page and the list it opens (None when the user has no such list)."""

    key: str
    label: str
    hint: str
    count: int
    url: str | None
    urgent: bool = False


def _count(model, scope: Scope, *conditions) -> int:
    """Count the rows of ``model`` in the user's scope matching ``conditions``: one COUNT statement."""
    return db.session.scalar(scoped(select(func.count()).select_from(model).where(*conditions), model, scope)) or 0


def _list_url(view_name: str, filters: dict[str, str] | None = None, order: str | None = None) -> str | None:
    """Return the URL of a registered list the user may open, with equality filters and an order."""
    appbuilder = current_app.appbuilder
    view = next((v for v in appbuilder.baseviews if type(v).__name__ == view_name), None)
    if view is None or not appbuilder.sm.has_access("can_list", view.class_permission_name):
        return None
    args: dict[str, str] = {}
    for column, value in (filters or {}).items():
        for index, flt in enumerate(view._filters.get_search_filters().get(column, [])):
            name = type(flt).__name__
            if "Equal" in name and "Not" not in name:
                args[f"_flt_{index}_{column}"] = value
                break
    if order:
        args[f"_oc_{view_name}"], args[f"_od_{view_name}"] = order, "asc"
    base = url_for(f"{view_name}.list")
    return f"{base}?{urlencode(args)}" if args else base


def _queue_url(view_name: str, **args: str) -> str | None:
    """Return the URL of an application queue the user may open, with its filters."""
    appbuilder = current_app.appbuilder
    if not appbuilder.sm.has_access("can_queue", view_name):
        return None
    return url_for(f"{view_name}.queue", **args)


def _today() -> dt.date:
    return today_in_beijing()


def institution_tiles(scope: Scope) -> list[Tile]:
    """The institution admin's counts: accounts to activate, applications to confirm, own physicians."""
    waiting = _count(Physician, scope, Physician.status == AccountStatus.VERIFIED,
                     Physician.institution_id == scope.institution_id)
    return [
        Tile("activation", _l("Accounts waiting for activation"),
             _l("Issue an activation code, or switch on automatic activation"), waiting,
             _list_url("ActivationQueueView"), urgent=waiting > 0),
        Tile("review", _l("Applications waiting for our review"),
             _l("Check and confirm, or return with reasons"),
             _count(Application, scope, Application.status == ApplicationStatus.SUBMITTED),
             _queue_url("InstitutionQueueView")),
        Tile("physicians", _l("Our physicians"), _l("Registered here or filed here"),
             _count(Physician, scope), _list_url("MyPhysicianView")),
    ]


def reviewer_tiles(scope: Scope) -> list[Tile]:
    """The reviewer's counts: applications to accept, to decide, overdue; accounts still waiting."""
    today = _today()
    pending, accepted = ApplicationStatus.PENDING_ACCEPTANCE, ApplicationStatus.ACCEPTED
    overdue = _count(Application, scope, or_(*overdue_by_status(today)))
    return [
        Tile("acceptance", _l("Applications waiting for acceptance"), _l("Accept within 5 working days"),
             _count(Application, scope, Application.status == pending),
             _queue_url("CommissionQueueView", status=pending)),
        Tile("decision", _l("Accepted, waiting for a decision"), _l("Decide within 20 working days of acceptance"),
             _count(Application, scope, Application.status == accepted),
             _queue_url("CommissionQueueView", status=accepted)),
        Tile("overdue", _l("Overdue"), _l("Past the acceptance or decision deadline"), overdue,
             _queue_url("CommissionQueueView"), urgent=overdue > 0),
        Tile("activation", _l("Accounts waiting for activation"), _l("Verified accounts not activated by their institution"),
             _count(Physician, scope, Physician.status == AccountStatus.VERIFIED),
             _list_url("PhysicianView", {"status": AccountStatus.VERIFIED})),
    ]


def start_tiles(scope: Scope) -> list[Tile]:
    """Return the counts of the start page for the user's scope (empty for a role without one)."""
    if scope.role == INSTITUTION_ADMIN:
        return institution_tiles(scope)
    if scope.role in (COMMISSION_REVIEWER, ADMIN):
        return reviewer_tiles(scope)
    return []


class RegistryIndexView(IndexView):
    """Visitors see the public home; staff their start page; physicians go to /me/."""

    index_template = "index.html"
    start_template = "start.html"

    @expose("/")
    def index(self):
        """Render the home page or the start page of the user's role."""
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            names = {role.name for role in user.roles}
            if PHYSICIAN in names and not names & {ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN}:
                return redirect(url_for("PhysicianHomeView.index"))
            scope = current_scope()
            if scope.role in (ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN):
                return self.render_template(
                    self.start_template, appbuilder=self.appbuilder, tiles=start_tiles(scope), scope=scope,
                    today=_today(),
                )
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
