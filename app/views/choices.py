"""Form choices scoped like lists: a related drop-down offers only rows the user may see.

For every relation column of the add, edit and search forms the related model's scope filter is
added to the view's ``*_form_query_rel_fields`` (next to any filter the view sets itself), so a new
screen cannot forget it. FAB's ``QuerySelectField`` validates a posted id against the same query,
so an out-of-scope id posted by hand is refused with "Not a valid choice".
"""

from __future__ import annotations

from app.security.registry import REFERENCE_MODELS
from app.security.scope import ScopeFilter

FORMS = (
    ("add_form_query_rel_fields", "add_columns"),
    ("edit_form_query_rel_fields", "edit_columns"),
    ("search_form_query_rel_fields", "search_columns"),
)


def _has_scope(filters: list) -> bool:
    return any(isinstance(spec[1], type) and issubclass(spec[1], ScopeFilter) for spec in filters)


class ScopedChoicesMixin:
    """Add the row scope of the related model to every relation field of the model forms."""

    def _init_forms(self):
        self._scope_relation_choices()
        super()._init_forms()

    def _scope_relation_choices(self) -> None:
        """Give each relation column of the add/edit/search forms the related model's scope filter."""
        datamodel = self.datamodel
        for rel_attr, columns_attr in FORMS:
            # Copy: views often share one dict between the add and the edit form.
            rel_fields = {column: list(filters) for column, filters in (getattr(self, rel_attr) or {}).items()}
            for column in getattr(self, columns_attr) or []:
                if not datamodel.is_relation(column):
                    continue
                # An entry (even without filters) also lets the list select search choices without a count.
                filters = rel_fields.setdefault(column, [])
                if datamodel.get_related_model(column) not in REFERENCE_MODELS and not _has_scope(filters):
                    filters.append(["id", ScopeFilter, None])
            setattr(self, rel_attr, rel_fields)
