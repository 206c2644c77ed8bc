"""The base of every model screen: row scope, safe paging, scoped actions and the shared export."""

from __future__ import annotations

import copy
import datetime
import re
from urllib.parse import urlencode

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.widgets import ListWidget, SearchWidget
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Date, Integer
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload
from wtforms import SelectField

from app.counting import count_label, model_count
from app.exports.table import ExportTable, batched
from app.exports.views import ExportMixin
from app.labels import cell_formatter, choices, enum_of
from app.security.scope import SCOPE_FILTER
from app.views.choices import ScopedChoicesMixin
from app.views.forms import SafeFormsMixin

_PAGING_ARG = re.compile(r"^(page|psize)_\w+$")


def install_paging_guard(app: Flask) -> None:
    """Answer malformed or oversized paging arguments with a redirect to a valid page.

    Also registers the ``count_label`` filter of every pager: 「1,234」, or 「约 1,234,567」 when estimated.
    """
    app.add_template_filter(count_label, "count_label")

    @app.before_request
    def _guard_paging():
        if request.method != "GET":
            return None
        maximum = current_app.config["MAX_PAGE_SIZE"]
        args = request.args.to_dict(flat=False)
        changed = False
        for name in list(args):
            if not _PAGING_ARG.match(name):
                continue
            value = args[name][-1] if args[name] else ""
            if not value.isdigit():
                del args[name]
                changed = True
            elif name.startswith("psize_") and not 1 <= int(value) <= maximum:
                args[name] = [str(min(max(int(value), 1), maximum))]
                changed = True
            elif name.startswith("page_") and int(value) > 100_000:
                del args[name]
                changed = True
        if changed:
            flash(_("The page number or page size was not valid; showing a valid page instead."), "warning")
            return redirect(f"{request.path}?{urlencode(args, doseq=True)}")
        return None


RETURN_URLS = "list_urls"  # session key: [endpoint, list page (filters, order, page)] pairs, oldest first
MAX_RETURN_URLS, MAX_RETURN_URL = 8, 400


def _return_pairs() -> list[list[str]]:
    """Return the remembered [endpoint, list URL] pairs (ignoring anything malformed)."""
    pairs = session.get(RETURN_URLS)
    if not isinstance(pairs, list):
        return []
    return [list(pair) for pair in pairs if isinstance(pair, (list, tuple)) and len(pair) == 2]


class ReturnToListMixin:
    """After a save, a delete or an action, go back to what was changed, never by page history.

    FAB redirects to the previous entry of a session-wide page history, which other tabs and
    embedded lists also write to (a bulk action could land on 科室). Here every list page remembers
    its own URL with its filters and page (DESIGN rule 17); a save, a delete or a bulk action returns
    there, and an action started on a detail page returns to that detail page while the row is
    still visible.
    """

    def update_redirect(self):
        """Remember this view's list page, with its query string, when it is shown."""
        super().update_redirect()
        if request.endpoint == f"{self.endpoint}.list":
            url = request.full_path.rstrip("?")
            # The session is a cookie (4 KB): keep the few lists used last, and no overlong query.
            # A list of pairs, not a dict: the session serializer sorts the keys of a dict.
            pairs = [pair for pair in _return_pairs() if pair[0] != self.endpoint]
            pairs.append([self.endpoint, url if len(url) <= MAX_RETURN_URL else request.path])
            session[RETURN_URLS] = pairs[-MAX_RETURN_URLS:]

    def list_url(self) -> str:
        """Return the list page this view last showed (filters and page kept), or its first page."""
        remembered = dict(_return_pairs()).get(self.endpoint)
        return remembered or url_for(f"{self.endpoint}.list")

    def get_redirect(self):
        """Return where a save, delete or action goes back to: the row's detail page or the list."""
        pk = g.get("return_to_pk")
        if pk is not None and self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters):
            return url_for(f"{self.endpoint}.show", pk=pk)
        return self.list_url()

    def return_to_row(self, pk) -> None:
        """Send this request's redirect to the detail page of ``pk`` (if it is still visible then)."""
        g.return_to_pk = pk


# --- record ids: an id that cannot exist is a 404, never a database error ---------------------------

_DIGITS = re.compile(r"[0-9]{1,19}")


def _pk_maximum(view) -> int | None:
    """Return the largest key of the view's model (None: not a single integer key, not checked)."""
    datamodel = getattr(view, "datamodel", None)
    columns = sa_inspect(datamodel.obj).primary_key if datamodel is not None else ()
    if len(columns) == 1 and isinstance(columns[0].type, Date):
        return DATE_KEY  # e.g. the working-day calendar: a key must be a real ISO date
    if len(columns) != 1 or not isinstance(columns[0].type, Integer):
        return None
    return 2**63 - 1 if isinstance(columns[0].type, BigInteger) else 2**31 - 1


INT32_MAX = 2**31 - 1
DATE_KEY = -1


def _is_iso_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def install_pk_guard(app: Flask) -> None:
    """Answer 404 when a route's ``pk`` (or an action's ``rowid``) is no possible key of its model."""

    @app.before_request
    def _guard_pk():
        # Any integer in a URL (an <int:…> id of our own routes) must fit the 32-bit integer keys.
        if any(isinstance(v, int) and not 0 <= v <= INT32_MAX for v in (request.view_args or {}).values()):
            abort(404)
        values = [str(request.view_args["pk"])] if "pk" in (request.view_args or {}) else []
        if request.method == "POST" and (request.endpoint or "").endswith(".action_post"):
            values += request.form.getlist("rowid")
        if not values:
            return None
        view = next((v for v in current_app.appbuilder.baseviews
                     if v.blueprint is not None and v.blueprint.name == request.blueprint), None)
        maximum = _pk_maximum(view)
        if maximum == DATE_KEY:
            if not all(_is_iso_date(v) for v in values):
                abort(404)
        elif maximum is not None and not all(_DIGITS.fullmatch(v) and int(v) <= maximum for v in values):
            abort(404)
        return None


class ScopedListWidget(ListWidget):
    """FAB's list table with an estimated count shown as 「约 N」 and a message past the last page."""

    template = "widgets/scoped_list.html"


class ScopedSearchWidget(SearchWidget):
    """FAB's search form, its fixed parts made once per list and locale.

    FAB renders every search field's HTML and translates every label and filter name on each list
    page. All of it depends only on the view's form and the locale, except a related drop-down
    (a field with a ``query_func``), whose choices come from the database and the user's scope, and
    a date field, whose default is the time of the page: those are rendered on every page, the rest
    is kept for the life of the process.
    """

    def __call__(self, **kwargs):
        args = self.template_args
        form, columns = args["form"], args["include_cols"]
        cache = current_app.extensions.setdefault("search_fields", {})
        key = (args["route_base"], str(get_locale()))  # -> labels, filter names, HTML of the fields without a query
        fixed = cache.get(key)
        if fixed is None:
            filters = self.filters.get_search_filters()
            fixed = cache[key] = (
                {column: str(form[column].label.text) for column in columns},
                {column: [str(flt.name) for flt in filters[column]] for column in columns},
                {column: form[column]() for column in columns if _fixed_field(form[column])},
            )
        labels, names, fields = fixed
        kwargs["label_columns"] = labels
        kwargs["search_filters"] = names
        kwargs["form_fields"] = {column: fields[column] if column in fields else form[column]() for column in columns}
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        return super(SearchWidget, self).__call__(**kwargs)  # the template, without FAB's per-page rebuild


def _fixed_field(field) -> bool:
    """Whether a search field's HTML is the same on every page (no choices from the database, no default of now)."""
    return not hasattr(field, "query_func") and not callable(field.default)


class ReadOnlyMixin:
    """Screens that list, show and export, but never write."""

    base_permissions = ["can_list", "can_show", "can_export"]


class ScopedModelView(ExportMixin, ReturnToListMixin, ScopedChoicesMixin, SafeFormsMixin, ModelView):
    """A ModelView that only ever touches rows inside the current user's scope.

    Subclasses set ``datamodel``, columns and ``base_order``; scope columns that must not be
    chosen by the user are set server-side in ``pre_add``/``pre_update``.
    """

    base_filters = SCOPE_FILTER
    base_order = ("id", "desc")
    list_template = "scoped_list.html"
    list_widget = ScopedListWidget
    search_widget = ScopedSearchWidget
    page_size = 25
    # column -> search filters replacing FAB's defaults (e.g. an indexable prefix match)
    search_filters_override: dict[str, list] = {}

    def _init_properties(self):
        super()._init_properties()
        self._init_cell_formatters()
        self._init_enum_filters()
        for column, filters in self.search_filters_override.items():
            instances = [f(column, self.datamodel) for f in filters]
            # The search widget lists _search_filters, but request args (_flt_<i>_<column>) are
            # looked up in _all_filters: replace both, or the form and the query disagree.
            self._filters._search_filters[column] = instances
            self._filters._all_filters[column] = instances

    def _init_cell_formatters(self) -> None:
        """Show every cell by its type: labels of enumerations, 是/否, dates, Beijing times, 「--」."""
        self.formatters_columns = dict(self.formatters_columns)
        for column in {*self.list_columns, *self.show_columns}:
            self.formatters_columns.setdefault(column, cell_formatter(self.datamodel.obj, column))

    def _init_enum_filters(self) -> None:
        """Search an enumeration column with a drop-down of its Chinese labels (never the stored word)."""
        overrides = dict(self.search_filters_override)
        extra = dict(self.search_form_extra_fields or {})
        for column in self.search_columns:
            enum = enum_of(self.datamodel.obj, column)
            if enum is None or column in overrides:
                continue
            overrides[column] = [FilterEqual]
            extra.setdefault(column, SelectField(self.label_columns.get(column, column), choices=choices(enum)))
        self.search_filters_override, self.search_form_extra_fields = overrides, extra

    def _init_forms(self):
        super()._init_forms()
        # FAB fills a related search field with datamodel.query(), which also counts the rows:
        # one statement too many on every list page. Select the choices without the count.
        for column, rel_filters in (self.search_form_query_rel_fields or {}).items():
            unbound = getattr(self.search_form, column, None)
            if unbound is not None and "query_func" in getattr(unbound, "kwargs", {}):
                unbound.kwargs["query_func"] = _choices_query(
                    self.datamodel.get_related_interface(column), rel_filters
                )

    def list_load_options(self, columns: list[str] | None = None) -> list:
        """Return eager-load options joining every many-to-one relation a dotted column uses."""
        options = []
        for column in columns if columns is not None else self.list_columns:
            parts = column.split(".")[:-1]
            model, load = self.datamodel.obj, None
            for part in parts:
                relation = sa_inspect(model).relationships.get(part)
                if relation is None or relation.uselist:
                    break
                attr = getattr(model, part)
                load = joinedload(attr) if load is None else load.joinedload(attr)
                model = relation.mapper.class_
            if load is not None:
                options.append(load)
        return options

    def _get_list_widget(
        self,
        filters,
        actions=None,
        order_column="",
        order_direction="",
        page=None,
        page_size=None,
        widgets=None,
        **kwargs,
    ):
        """Render the list from one count (or estimate) and one SELECT joining the dotted columns (no N+1)."""
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = min(page_size or self.page_size, current_app.config["MAX_PAGE_SIZE"])
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined_filters = filters.get_joined_filters(self._base_filters)
        datamodel = self.datamodel
        base = datamodel.session.query(datamodel.obj)
        count = model_count(datamodel, base, joined_filters)  # 「约 N」 above the threshold (app/counting.py)
        query = self.ordered_query(base.options(*self.list_load_options()), joined_filters, order_column, order_direction)
        query = datamodel.apply_pagination(query, page, page_size)
        items = query.all()
        pks = [self._serialize_pk_if_composite(pk) for pk in datamodel.get_keys(items)]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns,
            include_columns=self.list_columns,
            value_columns=datamodel.get_values(items, self.list_columns),
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page,
            page_size=page_size,
            count=count,
            rows_on_page=len(items),
            pks=pks,
            actions=actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """Refuse FAB's unscoped file download: no screen of ours stores files this way."""
        abort(404)

    def render_template(self, template, **kwargs):
        """Render with the export button shown only to users allowed to export."""
        if template == self.list_template:
            kwargs.setdefault(
                "can_export",
                "can_export" in self.base_permissions
                and self.appbuilder.sm.has_access("can_export", self.class_permission_name),
            )
            kwargs.setdefault("view_endpoint", self.endpoint)
        return super().render_template(template, **kwargs)

    def _get_scoped_or_404(self, pk):
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        """Run an action on one row, refetched through the row scope."""
        if request.method == "GET":
            abort(405)
        handler, item = self._permitted_action(name), self._get_scoped_or_404(pk)
        self.return_to_row(pk)  # a single-row action is started on the row's detail page
        return handler.func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """Run an action on several rows, each refetched through the row scope."""
        handler = self._permitted_action(request.form.get("action", ""))
        items = [self._get_scoped_or_404(pk) for pk in request.form.getlist("rowid")]
        return handler.func(items)

    def _permitted_action(self, name: str):
        """Return the named action, or answer 404 (unknown) / 403 (not allowed)."""
        handler = self.actions.get(name)
        if handler is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        return handler

    def ordered_query(self, query, filters, order_column: str, order_direction: str):
        """Apply the filters and the order, then the key: rows of equal sort value keep one order."""
        query = self.datamodel.apply_all(query, filters, order_column, order_direction)
        return query.order_by(*sa_inspect(self.datamodel.obj).primary_key)

    def list_order(self) -> tuple[str, str]:
        """Return the order the list page uses: the one in the URL, else ``base_order``."""
        order = get_order_args().get(self.__class__.__name__)
        return order if order else (self.base_order or ("", ""))

    @expose("/export/")
    @expose("/export/<string:fmt>")
    @has_access
    def export(self, fmt: str = "csv"):
        """Download the filtered list as the user sees it, as Excel or CSV (``/export/`` is CSV)."""
        return self.export_response(fmt)

    def export_table(self) -> ExportTable:
        """Return the list of this request: its columns and labels, filters, order and row scope."""
        filters = copy.copy(self._filters)  # the view's own instance is shared between requests
        filters.clear_filters()
        get_filter_args(filters)
        joined = filters.get_joined_filters(self._base_filters)
        columns = list(self.list_columns)
        base = self.datamodel.session.query(self.datamodel.obj)
        query = self.ordered_query(base.options(*self.list_load_options(columns)), joined, *self.list_order())
        return ExportTable(
            title=str(self.list_title or self.__class__.__name__),
            headers=[str(self.label_columns.get(c, c)) for c in columns],
            count=self.datamodel.query_count(base, joined),
            rows=self.export_cells(query, columns),
            filename=self.__class__.__name__.removesuffix("View").lower(),
        )

    def export_cells(self, query, columns: list[str]):
        """Yield each row's cells through the list's own formatters, reading the rows in chunks."""
        formatters = [self.formatters_columns.get(c) for c in columns]
        for chunk in batched(query.yield_per(500)):
            for values in self.datamodel.get_values(chunk, columns):
                yield [f(values[c]) if f else values[c] for c, f in zip(columns, formatters, strict=True)]


def _choices_query(datamodel, rel_filters: list):
    """Return a function selecting the related rows allowed by ``rel_filters`` (no count)."""
    filters = datamodel.get_filters().add_filter_list(rel_filters)

    def query():
        return datamodel.apply_all(datamodel.session.query(datamodel.obj), filters).all()

    return query
