"""The export route every list view shares: ``/export/<fmt>`` streams the list as Excel (or CSV)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.commands import CommandError
from app.exports.files import ExportFile, stream_file
from app.exports.service import write_export
from app.exports.table import ExportTable


def file_response(exported: ExportFile, day: dt.date) -> Response:
    """Stream a written export to the browser in chunks (the file is removed once sent)."""
    shown = quote(f"{exported.title}-{day:%Y%m%d}.{exported.fmt}")
    headers = {
        "Content-Disposition": f"attachment; filename={exported.filename}.{exported.fmt}; filename*=UTF-8''{shown}",
        "Content-Length": str(exported.path.stat().st_size),
        "Cache-Control": "no-store",
    }
    response = Response(stream_file(exported.path), mimetype=exported.mimetype, headers=headers,
                        direct_passthrough=True)
    # a client that leaves before the first chunk never runs the generator: remove the file anyway
    response.call_on_close(lambda: exported.path.unlink(missing_ok=True))
    return response


class ExportMixin:
    """A list view that exports: it says what it shows in ``export_table``; the route is shared.

    ``export`` needs the list's own permission (map it with ``method_permission_name`` when the
    list's method is not called ``list``), reads the list's filters from the query string and
    answers a list above EXPORT_MAX_ROWS_INLINE with a message asking to narrow the filters.
    """

    export_list_method = "list"  # the method drawing the list, where a refused export returns

    def export_table(self) -> ExportTable:
        """Return the rows of this list as its page shows them (filters, order and scope of the request)."""
        raise NotImplementedError

    def export_back_url(self) -> str:
        """Return the list page with the same filters (where a refused export sends the user)."""
        return url_for(f"{self.endpoint}.{self.export_list_method}", **request.args.to_dict(flat=False))

    def export_response(self, fmt: str) -> Response:
        """Write the list of this request's user and filters, then stream it."""
        from app.workflow.commands import today_in_beijing

        try:
            exported = write_export(self.endpoint, request.args, g.user, fmt,
                                    max_rows=current_app.config["EXPORT_MAX_ROWS_INLINE"])
        except CommandError as error:
            if error.status in (403, 404):
                abort(error.status)
            if error.code != "export_too_large":  # a filter the list refuses (a bad date): the list says why
                return getattr(self, self.export_list_method)()
            flash(error.message, "warning")
            return redirect(self.export_back_url())
        return file_response(exported, today_in_beijing())

    @expose("/export/<string:fmt>")
    @has_access
    def export(self, fmt: str):
        """Download the list (as the user sees it, with the page's filters) as Excel or CSV."""
        return self.export_response(fmt)
