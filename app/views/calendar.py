"""工作日历: the commission completes the working-day calendar for years chinese_calendar lacks.

National reviewers (and admins) enter the statutory holidays and make-up working days of the
State Council's notice, then declare the year complete; deadlines of that year are then computed.
"""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.labels import yes_no
from app.models import WorkdayEntry, WorkdayYear
from app.security.guards import guard_national_calendar
from app.views.base import ScopedModelView


class WorkdayEntryView(ScopedModelView):
    """Holidays and make-up working days entered by the commission."""

    datamodel = SQLAInterface(WorkdayEntry)
    list_title = show_title = add_title = edit_title = _l("Working-day calendar")
    list_columns = show_columns = ["day", "is_working", "note"]
    add_columns = edit_columns = ["day", "is_working", "note"]
    search_columns = ["day", "is_working"]
    label_columns = {"day": _l("Date"), "is_working": _l("Working day (make-up)"), "note": _l("Note")}
    description_columns = {
        "is_working": _l("Tick for a make-up working day on a weekend; leave empty for a holiday."),
    }
    formatters_columns = {"is_working": yes_no}
    base_order = ("day", "desc")

    def pre_add(self, item):
        """Refuse entries from provincial reviewers."""
        guard_national_calendar()

    pre_update = pre_delete = pre_add


class WorkdayYearView(ScopedModelView):
    """Years whose holidays are entered completely."""

    datamodel = SQLAInterface(WorkdayYear)
    list_title = show_title = add_title = edit_title = _l("Completed calendar years")
    list_columns = show_columns = ["year", "source", "declared_at"]
    add_columns = edit_columns = ["year", "source"]
    label_columns = {"year": _l("Year"), "source": _l("Source (notice)"), "declared_at": _l("Declared at")}
    description_columns = {
        "source": _l("For example: 国务院办公厅关于2027年部分节假日安排的通知"),
    }
    base_order = ("year", "desc")

    def pre_add(self, item):
        """Refuse entries from provincial reviewers."""
        guard_national_calendar()

    pre_update = pre_delete = pre_add
