"""Form fields shared by the screens."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.labels import COLUMN_LABELS, choices


def enum_field(column: str, enum, required: bool = True) -> SelectField:
    """A drop-down of the translated values of ``enum`` for ``column``."""
    return SelectField(
        COLUMN_LABELS.get(column, column),
        choices=choices(enum),
        validators=[DataRequired()] if required else [],
        widget=Select2Widget(),
    )


def county_field() -> SelectField:
    """A searchable drop-down of the counties inside the current user's jurisdiction."""
    from app.security.guards import county_choices_in_scope

    return SelectField(
        COLUMN_LABELS["region_code"],
        choices=county_choices_in_scope,
        validators=[DataRequired()],
        widget=Select2Widget(),
    )
