"""``write_export(list_key, filters, user)``: the one entry point of every export, from a page or a job.

The export runs as ``user`` with ``filters`` as the list's query string, inside a request context
of its own: the list's view reads its filters, order and row scope exactly as when it draws the
page, so the file cannot hold a row the page would not show that user.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.commands import CommandError, register_messages
from app.exports.files import FORMATS, ExportFile, write_file
from app.security.scope import scope_for

register_messages(
    {
        "export_too_large": _l(
            "This export would hold %(count)s rows, more than the %(limit)s rows one download may hold. "
            "Narrow the list with the filters (for example status, region or dates) and export again."
        ),
        "export_not_allowed": _l("Your account may not export this list."),
        "export_unknown": _l("There is no such list to export."),
    },
    {"export_too_large": 413, "export_not_allowed": 403, "export_unknown": 404},
)

_MISSING = object()
_ACTING = ("user", "scope", "_login_user")


class ExportError(CommandError):
    """An export that cannot be written (too large, not allowed, unknown list or format)."""


def export_view(list_key: str):
    """Return the registered view whose list ``list_key`` (its endpoint) names, if it exports."""
    for view in current_app.appbuilder.baseviews:
        if view.endpoint == list_key and callable(getattr(view, "export_table", None)):
            return view
    raise ExportError("export_unknown")


def export_permission(view) -> str:
    """Return the permission the view's export needs (the same as its list's)."""
    name = (getattr(view, "method_permission_name", None) or {}).get("export", "export")
    return f"can_{name}"


def may_export(view, user) -> bool:
    """Tell whether ``user`` may export the view's list."""
    permission = export_permission(view)
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permission not in (view.base_permissions or []):
        return False
    return current_app.appbuilder.sm._has_view_access(user, permission, view.class_permission_name)


@contextmanager
def acting_as(user, filters: Mapping) -> Iterator[None]:
    """Run the block as ``user`` on a request whose query string is ``filters`` (the list's URL)."""
    args = filters if isinstance(filters, MultiDict) else MultiDict(filters)
    with current_app.test_request_context("/", query_string=args):
        saved = {name: g.get(name, _MISSING) for name in _ACTING}
        g.user, g._login_user, g.scope = user, user, scope_for(user)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is _MISSING:
                    g.pop(name, None)
                else:
                    setattr(g, name, value)


def write_export(list_key: str, filters: Mapping, user, fmt: str = "xlsx", max_rows: int | None = None) -> ExportFile:
    """Write the list ``list_key`` as ``user`` sees it with ``filters`` to a file (xlsx or csv).

    ``max_rows``: refuse (``export_too_large``) when the list holds more rows; a page passes
    EXPORT_MAX_ROWS_INLINE, a background job passes None. The caller owns (and removes) the file.
    """
    if fmt not in FORMATS:
        raise ExportError("export_unknown")
    view = export_view(list_key)
    if not may_export(view, user):
        raise ExportError("export_not_allowed")
    with acting_as(user, filters):
        table = view.export_table()
        if max_rows is not None and table.count > max_rows:
            raise ExportError("export_too_large", count=f"{table.count:,}", limit=f"{max_rows:,}",
                              rows=table.count, title=str(table.title))
        return write_file(table, fmt)
