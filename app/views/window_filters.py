"""List filters behind the window page's numbers: exam cohort, stage reached, waiting bucket, institution.

They use the expressions of app.window.funnel, so a list filtered by the window page's link shows
exactly the physicians its number counts (inside the list's own row scope).
"""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import false
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Optional

from app.models import Physician
from app.window.funnel import STAGES, WAITING, in_cohort, stage_reached, waiting


def _int(value, low: int, high: int) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 9 and low <= int(text) <= high else None


class FilterCohort(BaseFilter):
    """Physicians holding a qualification of the given exam year."""

    name = _l("Is")
    arg_name = "cohort"

    def apply(self, query, value):
        """Keep physicians of exam cohort ``value`` (nothing when the year is not a year)."""
        year = _int(value, 1950, 2200)
        return query.filter(false()) if year is None else query.filter(in_cohort(year))


class FilterStage(BaseFilter):
    """Physicians who reached at least the given registration stage."""

    name = _l("Reached")
    arg_name = "stage"

    def apply(self, query, value):
        """Keep physicians at stage ``value`` (1–6) or further."""
        stage = _int(value, 1, len(STAGES))
        return query.filter(false()) if stage is None else query.filter(stage_reached(stage))


class FilterWaiting(BaseFilter):
    """Physicians waiting at one stage: not activated, no application, returned."""

    name = _l("Is")
    arg_name = "waiting"

    def apply(self, query, value):
        """Keep physicians in waiting bucket ``value``."""
        return query.filter(waiting(str(value))) if value in WAITING else query.filter(false())


class FilterInstitutionId(BaseFilter):
    """Physicians of one institution, by its record id (the window page's institution rows link here)."""

    name = _l("Is")
    arg_name = "inst"

    def apply(self, query, value):
        """Keep physicians whose institution has id ``value``."""
        pk = _int(value, 1, 2**31 - 1)
        return query.filter(false()) if pk is None else query.filter(Physician.institution_id == pk)


COHORT_LABEL = _l("Exam cohort")
STAGE_LABEL = _l("Registration progress")
WAITING_LABEL = _l("Waiting at")
INSTITUTION_LABEL = _l("Institution record ID")

FILTERS = {"cohort": [FilterCohort], "stage": [FilterStage], "waiting": [FilterWaiting],
           "institution_ref": [FilterInstitutionId]}
LABELS = {"cohort": COHORT_LABEL, "stage": STAGE_LABEL, "waiting": WAITING_LABEL, "institution_ref": INSTITUTION_LABEL}


def filter_fields(*names: str) -> dict:
    """Return the search-form fields of the named window filters."""
    fields = {
        "cohort": IntegerField(COHORT_LABEL, validators=[Optional()]),
        "stage": SelectField(STAGE_LABEL, choices=[(str(n), label) for n, (_k, label) in STAGES.items()],
                             widget=Select2Widget()),
        "waiting": SelectField(WAITING_LABEL, choices=list(WAITING.items()), widget=Select2Widget()),
        "institution_ref": StringField(INSTITUTION_LABEL),
    }
    return {name: fields[name] for name in names}
