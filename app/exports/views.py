"""The export route every list view shares: ``/export/<fmt>`` streams the list as Excel (or CSV)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.commands import CommandError
from app.exports.files import ExportFile, stream_file
from app.exports.service import write_export
from app.exports.table import ExportTable


def file_response(exported: ExportFile, day: dt.date, remove: bool = True) -> Response:
    """Stream a written export to the browser in chunks (the file is removed once sent, unless ``remove`` is off)."""
    shown = quote(f"{exported.title}-{day:%Y%m%d}.{exported.fmt}")
    headers = {
        "Content-Disposition": f"attachment; filename={exported.filename}.{exported.fmt}; filename*=UTF-8''{shown}",
        "Content-Length": str(exported.path.stat().st_size),
        "Cache-Control": "no-store",
    }
    response = Response(stream_file(exported.path, remove=remove), mimetype=exported.mimetype, headers=headers,
                        direct_passthrough=True)
    if remove:  # a client that leaves before the first chunk never runs the generator: remove the file anyway
        response.call_on_close(lambda: exported.path.unlink(missing_ok=True))
    return response


class ExportMixin:
    """A list view that exports: it says what it shows in ``export_table``; the route is shared.

    ``export`` needs the list's own permission (map it with ``method_permission_name`` when the
    list's method is not called ``list``), reads the list's filters from the query string and
    hands a list above EXPORT_MAX_ROWS_INLINE to a background job (app.exports.job) and sends the
    user to that job's page, where the file is offered once written.
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
        from app.domain.clock import today_in_beijing

        try:
            exported = write_export(self.endpoint, request.args, g.user, fmt,
                                    max_rows=current_app.config["EXPORT_MAX_ROWS_INLINE"])
        except CommandError as error:
            if error.status in (403, 404):
                abort(error.status)
            if error.code != "export_too_large":  # a filter the list refuses (a bad date): the list says why
                return getattr(self, self.export_list_method)()
            return self.export_in_background(fmt, error.params)
        return file_response(exported, today_in_beijing())

    def export_in_background(self, fmt: str, params: dict) -> Response:
        """Hand a list above the page's limit to a background job and show its page (「我的导出」)."""
        from app.exports.job import start_export

        job = start_export(self.endpoint, request.args, g.user.id, fmt, title=params.get("title", ""),
                           rows=int(params.get("rows") or 0))
        flash(_("This export holds %(count)s rows: it is being prepared in the background. "
                "It stays under 「My exports」 for you to download when ready.", count=params["count"]), "info")
        return redirect(url_for("ExportJobView.show", job_id=job.id))

    @expose("/export/<string:fmt>")
    @has_access
    def export(self, fmt: str):
        """Download the list (as the user sees it, with the page's filters) as Excel or CSV."""
        return self.export_response(fmt)
