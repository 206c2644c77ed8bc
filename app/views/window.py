"""年度注册窗口: the commission's window page and the institution's waiting physicians (custom views).

Thin views: parse the year and page, read the counts (app.window.board / funnel, all GROUP BY in
SQL), draw the charts (app.window.charts), call the reminder command.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.clock import today_in_beijing
from app.exports.service import ExportError
from app.exports.table import ExportTable
from app.exports.views import ExportMixin
from app.extensions import db
from app.models import Institution
from app.security.scope import current_scope
from app.window import board
from app.window.charts import funnel_chart, legend_items, stacked_chart
from app.window.commands import WindowError, may_set_window, remind_waiting
from app.window.funnel import FUNNEL_KEYS, FUNNEL_LABELS, STAGES, WAITING, by_institution, waiting_counts

PAGE_SIZE = 25
STATE_LABELS = {"not_open": _l("Not open yet"), "open": _l("Open"), "closed": _l("Closed")}
SEGMENTS = (_l("No account yet"), _l("Not verified"), _l("Waiting for activation"), _l("Not submitted"),
            _l("Waiting for institution"), _l("With the commission"), _l("Approved"))
STAGE_OF_KEY = {key: number for number, (key, _label) in STAGES.items()}


def _year(default) -> int:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default()


def _page() -> int:
    value = request.args.get("page", "")
    return min(int(value), 100_000) if value.isdigit() and int(value) >= 1 else 1


def _is_province(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and code.endswith("0000")


def segments(counts: dict[str, int]) -> list[int]:
    """Split a funnel into where its people stand now (never negative)."""
    ladder = [max(counts.get("qualified", 0), counts.get("accounts", 0))] + [counts.get(k, 0) for k in FUNNEL_KEYS[1:]]
    return [max(ladder[i] - ladder[i + 1], 0) for i in range(len(ladder) - 1)] + [ladder[-1]]


class FunnelLinks:
    """The lists behind a funnel's numbers, for one cohort year.

    A national page links ~250 numbers: the two lists' addresses are built once per page and every
    query string is formatted directly, instead of a ``url_for`` and an ``urlencode`` per number.
    """

    def __init__(self, year: int) -> None:
        self.year = int(year)
        self._physicians = url_for("PhysicianView.list")
        self._qualifications = url_for("QualificationView.list")

    def physicians(self, key: str, province: str | None = None, institution_id: int | None = None) -> str:
        """Return the commission's physician list filtered to the people behind one number."""
        link = f"{self._physicians}?_flt_0_cohort={self.year}&_flt_0_stage={STAGE_OF_KEY[key]}"
        if province:
            link += f"&_flt_0_region_code={quote(province[:2])}"
        if institution_id:
            link += f"&_flt_0_institution_ref={int(institution_id)}"
        return link

    def qualifications(self, province: str) -> str:
        """Return the qualification list of one province's cohort."""
        return f"{self._qualifications}?_flt_0_exam_year={self.year}&_flt_0_province_code={quote(province)}"


class WindowBoardView(ExportMixin, BaseView):
    """年度注册窗口 for reviewers: every province's window and the cohort's funnel, with drill-down."""

    route_base = "/commission/window"
    default_view = "index"
    export_list_method = "index"
    method_permission_name = {"index": "read", "province": "read", "export": "read"}
    export_chunk = 500

    def export_back_url(self) -> str:
        """Return the province page the export was asked from."""
        province = request.args.get("province", "")
        return url_for(".province", province=province, year=_year(lambda: None)) if _is_province(province) \
            else url_for(".index")

    def export_table(self) -> ExportTable:
        """Return the institution table of one province (``province`` and ``year`` in the query), every page."""
        scope, today = current_scope(), today_in_beijing()
        province = request.args.get("province", "")
        year = _year(lambda: board.default_year(db.session, scope, today))
        rows = board.province_rows(db.session, scope, year, today, only=province) if _is_province(province) else []
        if not rows:
            raise ExportError("export_unknown")
        count, _first = by_institution(db.session, year, scope, province, 1, 1)
        keys = FUNNEL_KEYS[1:]

        def cells():
            for page in range(1, -(-count // self.export_chunk) + 1):
                for inst in by_institution(db.session, year, scope, province, page, self.export_chunk)[1]:
                    yield [inst.name, *[inst.counts[key] for key in keys]]

        return ExportTable(title=f"{rows[0].name} {year}", filename=f"window-{province}-{year}", count=count,
                           headers=[_("Institution"), *[str(FUNNEL_LABELS[key]) for key in keys]], rows=cells())

    def _common(self, year: int, rows, title: str) -> dict:
        labels = [str(FUNNEL_LABELS[k]) for k in FUNNEL_KEYS]
        total = board.total(rows, str(_("Total")))
        return {
            "year": year, "rows": rows, "total": total, "keys": FUNNEL_KEYS, "labels": FUNNEL_LABELS,
            "state_labels": STATE_LABELS, "today": today_in_beijing(), "title": title,
            "funnel_svg": funnel_chart("funnel-chart", _("%(year)s cohort: registration funnel", year=year),
                                       list(zip(labels, [total.counts[k] for k in FUNNEL_KEYS], strict=True))),
            "links": FunnelLinks(year),
            "can_edit": lambda code: may_set_window(current_scope(), code),
        }

    @expose("/")
    @has_access
    def index(self):
        """Show every province's window of the chosen cohort, with the funnel as table and charts."""
        scope, today = current_scope(), today_in_beijing()
        year = _year(lambda: board.default_year(db.session, scope, today))
        rows = board.province_rows(db.session, scope, year, today)
        context = self._common(year, rows, str(_("Yearly registration window")))
        shown = [(r.name, segments(r.funnel.counts)) for r in rows if any(r.funnel.counts.values())]
        context["stacked_svg"] = stacked_chart(
            "province-chart", _("%(year)s cohort: where each province's physicians stand", year=year),
            [str(s) for s in SEGMENTS], shown) if shown else None
        context["legend"] = legend_items(SEGMENTS)
        return self.render_template("window/board.html", **context)

    @expose("/<string:province>/")
    @has_access
    def province(self, province: str):
        """Show one province's window and its institutions' funnels (paged)."""
        scope, today = current_scope(), today_in_beijing()
        if not _is_province(province):
            abort(404)
        year = _year(lambda: board.default_year(db.session, scope, today))
        rows = board.province_rows(db.session, scope, year, today, only=province)
        if not rows:
            abort(404)
        page = _page()
        count, institutions = by_institution(db.session, year, scope, province, page, PAGE_SIZE)
        context = self._common(year, rows, rows[0].name)
        return self.render_template(
            "window/province.html", row=rows[0], institutions=institutions, count=count, page=page,
            page_size=PAGE_SIZE, pages=max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1), **context)


class InstitutionWindowView(BaseView):
    """本机构注册进度: the window and the institution's cohort physicians waiting at each stage."""

    route_base = "/institution/window"
    default_view = "index"
    method_permission_name = {"index": "read", "remind": "remind"}

    @expose("/")
    @has_access
    def index(self):
        """Show the window of the institution's province and who waits where, with one reminder per stage."""
        scope, today = current_scope(), today_in_beijing()
        institution = db.session.get(Institution, scope.institution_id) if scope.institution_id else None
        if institution is None:  # e.g. the system administrator: this page belongs to one institution
            flash(_("This page shows one institution's physicians: log in as its administrator."), "info")
            return redirect(self.appbuilder.get_url_for_index)
        province = institution.region_code[:2] + "0000"
        year = _year(lambda: board.default_year(db.session, None, today, province=province))
        window_row = board.window_row(db.session, province, year, today)
        counts = waiting_counts(db.session, year, institution.id)
        links = {bucket: f"{url_for('MyPhysicianView.list')}?"
                 + urlencode({"_flt_0_cohort": year, "_flt_0_waiting": bucket}) for bucket in WAITING}
        return self.render_template(
            "window/institution.html", institution=institution, year=year, row=window_row, counts=counts,
            waiting=WAITING, links=links, state_labels=STATE_LABELS, title=str(_("Registration progress")))

    @expose("/remind", methods=["POST"])
    @has_access
    def remind(self):
        """Send one reminder to everybody waiting at a stage (once a day), then come back."""
        scope, today = current_scope(), today_in_beijing()
        value = request.form.get("year", "")
        year = int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else today.year
        bucket = request.form.get("bucket", "")
        institution = db.session.get(Institution, scope.institution_id) if scope.institution_id else None
        closes = None
        if institution is not None:
            row = board.window_row(db.session, institution.region_code[:2] + "0000", year, today)
            closes = row.window.closes_on if row.window else None
        try:
            sent = remind_waiting(scope, g.user.id, year, bucket, closes, today)
        except WindowError as error:
            flash(error.message, "warning")
        else:
            flash(_("A reminder was sent to %(num)s physician(s).", num=f"{sent:,}"), "success")
        return redirect(url_for("InstitutionWindowView.index", year=year))
