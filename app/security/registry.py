"""Row scope by construction: every registered model view and API carries the scope filter.

``require_row_scope`` runs when the screens and APIs are registered and refuses to start the
application if a view or API over a model lacks :class:`ScopeFilter` in its ``base_filters`` and
is not on the short, reviewed ``UNSCOPED_VIEWS`` list below. ``REFERENCE_MODELS`` are the models
whose rows every user of a form may choose from (their form choices are not scoped).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.models import Region
from app.security.scope import ScopeFilter

ADMIN_ONLY = "FAB administration: only the Admin role may list, show, add, edit, delete or export its rows"

# view class name -> why it may list rows without the scope filter (reviewed; keep it short)
UNSCOPED_VIEWS: dict[str, str] = {
    "RegionView": "GB/T 2260 administrative divisions: national reference data, the same for everybody",
    "RegistryUserView": ADMIN_ONLY,
    "RegistryRoleView": ADMIN_ONLY,
    "RegistryGroupView": ADMIN_ONLY,
    "PermissionModelView": ADMIN_ONLY,
    "ViewMenuModelView": ADMIN_ONLY,
    "RegistryPermissionViewView": ADMIN_ONLY,
}

# related models offered unscoped in add / edit / search forms (reference data)
REFERENCE_MODELS: frozenset[type] = frozenset({Region})


class UnscopedView(RuntimeError):
    """A model view or API registered without the row scope (a programming error, raised at start-up)."""


def carries_scope(view) -> bool:
    """Tell whether the view's base filters include the row-scope filter."""
    return any(
        isinstance(spec, (list, tuple)) and len(spec) > 1 and isinstance(spec[1], type) and issubclass(spec[1], ScopeFilter)
        for spec in getattr(view, "base_filters", None) or []
    )


def is_model_view(view) -> bool:
    """Tell whether the view reads rows of a model (a ModelView or ModelRestApi)."""
    return getattr(view, "datamodel", None) is not None


def require_row_scope(views: Iterable) -> None:
    """Raise :class:`UnscopedView` for a model view lacking the scope filter and not allow-listed."""
    missing = [
        type(view).__name__
        for view in views
        if is_model_view(view) and type(view).__name__ not in UNSCOPED_VIEWS and not carries_scope(view)
    ]
    if missing:
        raise UnscopedView(
            "These views or APIs read rows without the row scope (add SCOPE_FILTER to base_filters, "
            f"or justify them in app.security.registry.UNSCOPED_VIEWS): {', '.join(sorted(missing))}"
        )
