"""安全审计日志: the browsable security audit log (SPEC §8), read-only, inside the row scope."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser
from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField

from app.domain.clock import today_in_beijing
from app.domain.masking import mask_id_number
from app.exports.table import ExportTable
from app.exports.views import ExportMixin
from app.labels import format_time
from app.models import Physician, SecurityEvent
from app.reports.audit import APP_PREFIX, AuditFilter, count_events, page_events, stream_events
from app.reports.period import PeriodError, parse_period
from app.security.scope import current_scope
from app.views.base import ReadOnlyMixin, ScopedModelView
from app.window.funnel import WAITING
from app.workflow.transitions import BY_ACTION

EVENT_LABELS = {
    "account_created": _l("Account created"),
    "contact_verified": _l("Contact verified"),
    "activation_code_issued": _l("Activation code issued"),
    "activation_code_revoked": _l("Activation code revoked"),
    "account_activated": _l("Account activated"),
    "activation_failed": _l("Wrong activation code"),
    "recovery_code_sent": _l("Password recovery code sent"),
    "password_reset": _l("Password reset"),
    "password_changed": _l("Password changed"),
    "password_change_failed": _l("Password change failed"),
    "contact_change_started": _l("Contact change started"),
    "contact_changed": _l("Contact changed"),
    "profile_change_requested": _l("Profile change requested"),
    "profile_change_confirmed": _l("Profile change confirmed"),
    "profile_change_returned": _l("Profile change returned"),
    "profile_change_withdrawn": _l("Profile change withdrawn"),
    "login": _l("Login"),
    "login_failed": _l("Login failed"),
    "login_refused_locked": _l("Login refused: account locked"),
    "window_created": _l("Window created"),
    "window_changed": _l("Window changed"),
    "window_reminder": _l("Registration window reminder sent"),
}

EVENT_LABELS.update({
    "institution_changed": _l("Institution changed"),
    "registration_cancelled": _l("Registration cancelled ex officio"),
    "registration_suspended": _l("Practice suspended"),
    "window_created": _l("Registration window created"),
    "window_changed": _l("Registration window changed"),
    "window_deleted": _l("Registration window deleted"),
    "qualifications_imported": _l("Qualifications imported"),
    "account_unlocked": _l("Account unlocked"),
})

# The short values the commands store in ``detail``.
DETAIL_LABELS = {
    "sms": _l("SMS"),
    "email": _l("E-mail"),
    "code": _l("With activation code"),
    "auto": _l("Automatic activation"),
}

REMINDER_DETAIL = re.compile(r"(?P<cohort>\d{4})\|(?P<bucket>\w+)\|(?P<num>\d+)")  # window.commands.reminder_detail


def event_label(value: str | None) -> str:
    """Return the translated label of a stored event name (the name itself if unknown)."""
    if not value:
        return ""
    label = EVENT_LABELS.get(value)
    return str(label) if label is not None else value


def detail_label(value: str | None) -> str:
    """Return the translated label of a known detail value, or the detail as stored."""
    if not value:
        return ""
    label = DETAIL_LABELS.get(value)
    if label is not None:
        return str(label)
    reminder = REMINDER_DETAIL.fullmatch(value)
    if reminder and reminder["bucket"] in WAITING:
        return _("%(cohort)s cohort, %(label)s: %(num)s reminded", cohort=reminder["cohort"],
                 label=WAITING[reminder["bucket"]], num=reminder["num"])
    return value


def local_time(value: dt.datetime | None) -> str:
    """Show a stored (naive UTC) time in Beijing time to the minute (「--」 when empty)."""
    return format_time(value)


def _utc_start_of_local_day(value) -> dt.datetime | None:
    """Return the UTC instant at which the given local calendar day starts (None if unreadable)."""
    try:
        day = value if isinstance(value, dt.date) else parser.parse(str(value)).date()
    except (ValueError, OverflowError):
        return None
    start = dt.datetime.combine(day, dt.time(), tzinfo=get_timezone())
    return start.astimezone(dt.UTC).replace(tzinfo=None)


class FilterOnOrAfter(BaseFilter):
    """Events on or after a local calendar day."""

    name = _l("From")
    arg_name = "from"

    def apply(self, query, value):
        """Keep events from the start of the day ``value`` (user's time zone)."""
        start = _utc_start_of_local_day(value)
        return query if start is None else query.filter(SecurityEvent.created_at >= start)


class FilterBeforeDay(BaseFilter):
    """Events before a local calendar day."""

    name = _l("Before")
    arg_name = "before"

    def apply(self, query, value):
        """Keep events before the start of the day ``value`` (user's time zone)."""
        start = _utc_start_of_local_day(value)
        return query if start is None else query.filter(SecurityEvent.created_at < start)


class FilterPhysicianName(BaseFilter):
    """Events of physicians whose name starts with the value (served by the name index)."""

    name = _l("Starts with")
    arg_name = "pname"

    def apply(self, query, value):
        """Keep events of physicians whose name starts with ``value``."""
        escaped = str(value).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if not escaped:
            return query
        names = select(Physician.id).where(Physician.name.like(escaped + "%", escape="\\"))
        return query.filter(SecurityEvent.physician_id.in_(names))


class SecurityEventView(ReadOnlyMixin, ScopedModelView):
    """Security events in the user's scope, newest first; list, show and CSV export only."""

    datamodel = SQLAInterface(SecurityEvent)
    list_title = show_title = _l("Security audit log")
    base_order = ("created_at", "desc")
    list_columns = ["created_at", "event", "physician.name", "user.username", "actor.username", "ip", "detail"]
    show_columns = list_columns
    order_columns = ["created_at", "event"]
    search_columns = ["event", "created_at", "physician"]
    search_filters_override = {
        "event": [FilterEqual],
        "physician": [FilterPhysicianName],
        "created_at": [FilterOnOrAfter, FilterBeforeDay],
    }
    search_form_extra_fields = {
        "created_at": DateField(_l("Time"), widget=DatePickerWidget()),
        "event": SelectField(_l("Event"), choices=list(EVENT_LABELS.items())),
        "physician": StringField(_l("Physician")),
    }
    label_columns = {
        "created_at": _l("Time"),
        "event": _l("Event"),
        "physician": _l("Physician"),
        "physician.name": _l("Physician"),
        "user.username": _l("Account"),
        "actor.username": _l("Done by"),
        "ip": _l("IP address"),
        "detail": _l("Detail"),
    }
    formatters_columns = {"created_at": local_time, "event": event_label, "detail": detail_label}


# --- 审计日志: security events and application events in one list (UNION ALL in SQL) -----------------

LOG_PAGE_SIZE = 25


def _application_labels() -> dict[str, object]:
    """Return the Chinese label of every application action, keyed as the union names them."""
    labels = {f"{APP_PREFIX}{action}": t.label for action, t in BY_ACTION.items()}
    labels[f"{APP_PREFIX}create"] = _l("Draft created")
    return labels


def any_event_label(code: str | None) -> str:
    """Return the Chinese label of a security event or an application action."""
    if code and code.startswith(APP_PREFIX):
        label = _application_labels().get(code)
        return str(_l("Application: %(action)s", action=label)) if label else code
    return event_label(code)


LOG_HEADERS = (_l("Time"), _l("Event"), _l("Physician"), _l("ID number"), _l("Done by"),
               _l("Application number"), _l("Detail"), _l("IP address"))


def log_cells(row) -> list[str]:
    """Return the cells of one log row as the screen and the exports show it (ID number masked)."""
    _source, _id, created, event, name, id_number, actor, number, detail, ip = row
    return [local_time(created), any_event_label(event), name or "", mask_id_number(id_number) if id_number else "",
            actor or "", number or "", detail_label(detail), ip or ""]


class AuditLogView(ExportMixin, BaseView):
    """审计日志: every security and application event in the user's scope, searchable and exportable."""

    route_base = "/audit/log"
    default_view = "index"
    export_list_method = "index"

    def _filter(self) -> AuditFilter:
        period = parse_period(request.args, today_in_beijing())
        return AuditFilter(period=period, person=request.args.get("person", ""), event=request.args.get("event", "")[:48],
                           actor=request.args.get("actor", ""), ascending=request.args.get("order") == "asc")

    def _choices(self) -> list[tuple[str, str]]:
        return [(k, str(v)) for k, v in EVENT_LABELS.items()] + [
            (k, any_event_label(k)) for k in _application_labels()]

    @expose("/")
    @has_access
    def index(self):
        """List the events matching the search, newest first, a page at a time."""
        try:
            chosen = self._filter()
        except PeriodError as error:
            return self.render_template("audit/log.html", error=error.message, rows=[], total=0, page=1, pages=1,
                                        choices=self._choices(), period=None, title=_("Audit log")), 400
        page = _page_arg()
        scope = current_scope()
        total = count_events(scope, chosen)
        rows = [log_cells(r) for r in page_events(scope, chosen, page, LOG_PAGE_SIZE)]
        return self.render_template(
            "audit/log.html", error=None, rows=rows, total=total, page=page, page_size=LOG_PAGE_SIZE, headers=LOG_HEADERS,
            pages=max(1, -(-total // LOG_PAGE_SIZE)), choices=self._choices(), period=chosen.period,
            title=_("Audit log"),
        )

    def export_table(self) -> ExportTable:
        """Return every event of the search, in the page's order and cells (ID numbers masked)."""
        scope, chosen = current_scope(), self._filter()
        return ExportTable(title=_("Audit log"), headers=[str(h) for h in LOG_HEADERS],
                           count=count_events(scope, chosen), filename="audit-log",
                           rows=(log_cells(row) for row in stream_events(scope, chosen)))


def _page_arg() -> int:
    value = request.args.get("page", "")
    return min(max(int(value), 1), 100_000) if value.isdigit() and len(value) < 7 else 1
