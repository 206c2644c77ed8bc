"""Form fields shared by the screens."""

from __future__ import annotations

import re

from flask_appbuilder.fieldwidgets import DatePickerWidget, Select2Widget
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from app.labels import COLUMN_LABELS, choices


def enum_field(column: str, enum, required: bool = True, description: str = "") -> SelectField:
    """A drop-down of the translated values of ``enum`` for ``column`` (with an optional help text)."""
    return SelectField(
        COLUMN_LABELS.get(column, column),
        choices=choices(enum),
        validators=[DataRequired()] if required else [],
        widget=Select2Widget(),
        description=description,
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


LICENSE_NO = re.compile(r"^[0-9A-Z]{22}$")
CONTACT_PHONE = re.compile(r"^\+?[0-9][0-9\- ()]{5,30}$")
PHONE_MESSAGE = _l("Please enter a telephone number of digits, e.g. 010-65551234 or 13800138000.")


def license_no_validators() -> list:
    """Validators of a 医疗机构执业许可证登记号: exactly 22 capital letters and digits."""
    return [
        DataRequired(message=_l("Please enter the licence registration number.")),
        Regexp(LICENSE_NO, message=_l("Please enter the 22-character licence registration number (capital letters and digits).")),
    ]


def contact_phone_validators() -> list:
    """Validators of an institution's contact telephone: optional, digits with area code or extension marks."""

    def telephone(form, field) -> None:
        value = field.data or ""
        if not CONTACT_PHONE.fullmatch(value) or sum(ch.isdigit() for ch in value) < 7:
            raise ValidationError(str(PHONE_MESSAGE))

    return [Optional(), telephone]



def optional_date_field(column: str) -> DateField:
    """A date that may be left empty (the rule behind it supplies the default)."""
    return DateField(COLUMN_LABELS.get(column, column), format="%Y-%m-%d", validators=[Optional()],
                     widget=DatePickerWidget())
