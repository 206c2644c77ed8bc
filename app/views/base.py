"""The base of every model screen: row scope, safe paging, scoped actions and CSV export."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

from flask import Flask, Response, abort, current_app, flash, redirect, request
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext as _

from app.security.scope import SCOPE_FILTER

_PAGING_ARG = re.compile(r"^(page|psize)_\w+$")


def install_paging_guard(app: Flask) -> None:
    """Answer malformed or oversized paging arguments with a redirect to a valid page."""

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


class ReadOnlyMixin:
    """Screens that list, show and export, but never write."""

    base_permissions = ["can_list", "can_show", "can_export"]


class ScopedModelView(ModelView):
    """A ModelView that only ever touches rows inside the current user's scope.

    Subclasses set ``datamodel``, columns and ``base_order``; scope columns that must not be
    chosen by the user are set server-side in ``pre_add``/``pre_update``.
    """

    base_filters = SCOPE_FILTER
    base_order = ("id", "desc")
    page_size = 25
    export_columns: list[str] = []
    export_limit = 50_000
    # column -> search filters replacing FAB's defaults (e.g. an indexable prefix match)
    search_filters_override: dict[str, list] = {}

    def _init_properties(self):
        super()._init_properties()
        for column, filters in self.search_filters_override.items():
            self._filters._search_filters[column] = [f(column, self.datamodel) for f in filters]

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename):
        """Refuse FAB's unscoped file download: no screen of ours stores files this way."""
        abort(404)

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
        permission_name = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission_name, self.class_permission_name):
            abort(403)
        handler = self.actions.get(name) or abort(404)
        return handler.func(self._get_scoped_or_404(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """Run an action on several rows, each refetched through the row scope."""
        name = request.form.get("action", "")
        permission_name = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission_name, self.class_permission_name):
            abort(403)
        handler = self.actions.get(name) or abort(404)
        items = [self._get_scoped_or_404(pk) for pk in request.form.getlist("rowid")]
        return handler.func(items)

    def export_rows(self, items):
        """Yield one list of cell values per exported row (masked where the list masks)."""
        columns = self.export_columns or self.list_columns
        for item in items:
            yield [_cell(item, column) for column in columns]

    @expose("/export/")
    @has_access
    def export(self):
        """Download the filtered list, inside the row scope, as CSV (UTF-8 with BOM for Excel)."""
        get_filter_args(self._filters)
        joined = self._filters.get_joined_filters(self._base_filters)
        order_column, order_direction = self.base_order
        _, items = self.datamodel.query(
            joined, order_column, order_direction, page=0, page_size=self.export_limit
        )
        columns = self.export_columns or self.list_columns
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([str(self.label_columns.get(c, c)) for c in columns])
        writer.writerows(self.export_rows(items))
        filename = f"{self.__class__.__name__.removesuffix('View').lower()}.csv"
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={filename}"},
        )


def _cell(item, column: str):
    value = item
    for part in column.split("."):
        value = getattr(value, part, None) if value is not None else None
    if callable(value):
        value = value()
    return "" if value is None else str(value)
