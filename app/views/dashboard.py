"""统计分析: the reviewers' dashboard, the list behind every number and its export (app.exports).

Thin: read the range and the keys, ask app.reports for the aggregates (SQL, row scope applied),
render. Every number links to ``rows`` with the same keys; ``rows`` exports exactly what it lists.
"""

from __future__ import annotations

import datetime as dt

from flask import request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.commands import message_for
from app.domain.clock import today_in_beijing
from app.domain.enums import ApplicationStatus, ApplicationType, Category
from app.domain.errors import RuleViolation
from app.exports.table import ExportTable
from app.exports.views import ExportMixin
from app.extensions import db
from app.labels import ENUM_LABELS
from app.reports import dashboard as stats
from app.reports import rows as listing
from app.reports.period import EARLIEST, Period, PeriodError, parse_period
from app.reports.selection import Selection, selection_from
from app.reports.stages import stage_times
from app.security.scope import current_scope
from app.workflow.calendar import load_calendar
from app.workflow.progress import deadline_of

PAGE_SIZE = 25
INSTITUTIONS_PER_PAGE = 10
OVERDUE_SHOWN = 10
STAGE_LABELS = {
    "confirm": _l("Submission to institution confirmation"),
    "accept": _l("Institution confirmation to acceptance"),
    "decide": _l("Acceptance to decision"),
}
DIMENSION_LABELS = {
    "status": _l("By status"), "type": _l("By application type"), "category": _l("By practice category"),
    "region": _l("By region"), "scope": _l("By practice scope"), "institution": _l("By institution"),
}
ITEM_LABELS = {
    "status": _l("Status"), "type": _l("Application type"), "category": _l("Practice category"),
    "region": _l("Region"), "scope": _l("Practice scope"), "institution": _l("Institution"),
}


def _page(name: str) -> int:
    value = request.args.get(name, "")
    return min(max(int(value), 1), 10_000) if value.isdigit() and len(value) < 6 else 1


def _calendar(period: Period, today: dt.date):
    return load_calendar(db.session, EARLIEST, max(period.last, today) + dt.timedelta(days=400))


class DashboardView(ExportMixin, BaseView):
    """Counts, stage times and overdue items of the reviewer's jurisdiction over a date range."""

    route_base = "/commission/dashboard"
    default_view = "index"
    export_list_method = "rows"

    def _period(self, today: dt.date) -> tuple[Period | None, str | None]:
        try:
            return parse_period(request.args, today), None
        except PeriodError as error:
            return None, error.message

    def _labels(self) -> dict:
        return {"status": ENUM_LABELS[ApplicationStatus], "type": ENUM_LABELS[ApplicationType],
                "category": ENUM_LABELS[Category]}

    @expose("/")
    @has_access
    def index(self):
        """Show the dashboard of the chosen range (this year by default)."""
        today = today_in_beijing()
        period, error = self._period(today)
        if period is None:
            return self.render_template("dashboard/index.html", error=error, period=None, title=_("Statistics")), 400
        scope = current_scope()
        calendar = _calendar(period, today)
        counts = stats.counts_by_dimension(scope, period)
        counts["scope"] = stats.counts_by_scope(scope, period)
        ipage = _page("ipage")
        institutions, institution_total = stats.counts_by_institution(scope, period, ipage, INSTITUTIONS_PER_PAGE)
        try:
            stages, stage_error = stage_times(scope, period, calendar, today), None
        except RuleViolation as violation:
            stages, stage_error = [], message_for(violation.code, violation.params)
        overdue, overdue_total = stats.overdue_page(scope, today, OVERDUE_SHOWN)
        deadlines = {}
        for application in overdue:
            try:
                deadlines[application.id] = deadline_of(application, calendar, today)
            except RuleViolation:
                deadlines[application.id] = None
        base = Selection(period)
        labels = self._labels()
        tables = [
            self._table(dim, rows, base, labels.get(dim))
            for dim, rows in (("status", counts["status"]), ("type", counts["type"]),
                              ("category", counts["category"]), ("region", counts["region"]),
                              ("scope", counts["scope"]))
        ]
        return self.render_template(
            "dashboard/index.html", error=None, period=period, total=sum(c.n for c in counts["status"]),
            total_href=self.link(base), overdue_href=self.link(base, overdue=True), tables=tables,
            institution_table=self._table("institution", institutions, base),
            ipage=ipage, ipages=max(1, -(-institution_total // INSTITUTIONS_PER_PAGE)),
            stages=stages, stage_error=stage_error, stage_labels=STAGE_LABELS,
            stage_hrefs={stage: self.link(base, stage=stage) for stage in STAGE_LABELS},
            overdue=overdue, overdue_total=overdue_total, deadlines=deadlines, labels=labels, title=_("Statistics"),
        )

    def _table(self, dim: str, rows: list, base: Selection, labels: dict | None = None) -> dict:
        """Return one count table: caption, and per row its label, number and the link to its list."""
        def key_of(count) -> object:
            if dim == "region":
                return (count.key + "000000")[:6]
            return int(count.key) if dim == "institution" else count.key

        names = [c.name for c in rows]

        def label_of(count) -> str:
            if labels is not None:
                return str(labels.get(count.key, count.key)) if count.key else _("Not stated")
            if count.name and names.count(count.name) > 1:  # e.g. each category's 「其他专业」
                return f"{count.name}（{count.key}）"
            return count.name or count.key

        return {
            "dim": dim, "caption": DIMENSION_LABELS[dim], "item": ITEM_LABELS[dim],
            "rows": [{"label": label_of(c), "n": c.n, "href": self.link(base, **{dim: key_of(c)})} for c in rows],
        }

    def _selection(self, today: dt.date) -> tuple[Selection | None, str | None]:
        period, error = self._period(today)
        return (None, error) if period is None else (selection_from(request.args, period), None)

    @expose("/rows/")
    @has_access
    def rows(self):
        """List the applications behind one number, a page at a time."""
        today = today_in_beijing()
        chosen, error = self._selection(today)
        if chosen is None:
            return self.render_template("dashboard/rows.html", error=error, title=_("Applications"), chosen=None), 400
        scope = current_scope()
        page = _page("page")
        total = listing.count_rows(scope, chosen, today)
        items = listing.page_rows(scope, chosen, today, page, PAGE_SIZE)
        return self.render_template(
            "dashboard/rows.html", error=None, chosen=chosen, total=total, items=items, page=page,
            pages=max(1, -(-total // PAGE_SIZE)), cells=listing.cells, headers=listing.HEADERS,
            describe=self._describe(chosen), title=_("Applications"),
            stage_labels=STAGE_LABELS,
        )

    def _describe(self, chosen: Selection) -> list[str]:
        """Say in words what the list holds (for the heading)."""
        labels = self._labels()
        parts = []
        for name in ("status", "type", "category"):
            value = getattr(chosen, name)
            if value:
                parts.append(str(labels[name].get(value, value)))
        if chosen.scope:
            parts.append(_("Practice scope %(code)s", code=chosen.scope))
        if chosen.region:
            names = listing.region_names([chosen.region])
            parts.append(names.get(chosen.region, chosen.region))
        if chosen.stage:
            parts.append(str(STAGE_LABELS[chosen.stage]))
        if chosen.overdue:
            parts.append(_("Overdue"))
        return parts

    def export_table(self) -> ExportTable:
        """Return every application behind the number, in the list's order and cells."""
        today = today_in_beijing()
        chosen, scope = selection_from(request.args, parse_period(request.args, today)), current_scope()
        return ExportTable(title=_("Applications"), headers=[str(h) for h in listing.HEADERS],
                           count=listing.count_rows(scope, chosen, today), filename="applications",
                           rows=listing.export_rows(scope, chosen, today))

    def link(self, chosen: Selection, **changes) -> str:
        """Return the URL of the list behind a number."""
        return url_for(f"{self.endpoint}.rows", **chosen.with_(**changes).args())
