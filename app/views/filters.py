"""Search filters that use the indexes (FAB's own "starts with" is ILIKE, which PostgreSQL cannot index)."""

from __future__ import annotations

from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import get_field_setup_query
from flask_babel import lazy_gettext as _l

from app.domain.identity import normalize_id_number


class FilterPrefix(BaseFilter):
    """Case-sensitive prefix match (LIKE 'x%'), served by a btree index."""

    name = _l("Starts with")
    arg_name = "pfx"

    def apply(self, query, value):
        """Keep rows whose column starts with ``value``."""
        query, field = get_field_setup_query(query, self.model, self.column_name)
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return query.filter(field.like(escaped + "%", escape="\\"))


class FilterIdNumber(BaseFilter):
    """Exact ID-number match, accepting a lower-case x and surrounding spaces."""

    name = _l("Is")
    arg_name = "idn"

    def apply(self, query, value):
        """Keep rows whose ID number equals the normalised ``value``."""
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field == normalize_id_number(str(value)))
