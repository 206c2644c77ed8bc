"""Screens of the health commission (卫健委审核员), scoped to the reviewer's jurisdiction."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.audit import record
from app.domain.clock import today_in_beijing
from app.domain.enums import (
    AssessmentKind,
    AssessmentResult,
    Category,
    RegionLevel,
)
from app.domain.identity import normalize_id_number
from app.extensions import db
from app.labels import COLUMN_LABELS
from app.models import (
    Application,
    Assessment,
    Department,
    Filing,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    Qualification,
    Region,
    RegistrationWindow,
)
from app.security.guards import (
    ScopeViolation,
    attach_physician_by_id_number,
    guard_assessment,
    guard_department,
    guard_institution,
    guard_scope_entry,
)
from app.security.scope import ScopeFilter, current_scope
from app.views import window_filters
from app.views.assessment_measures import SUSPENSION_HELP, CommissionAssessmentMixin
from app.views.base import ReadOnlyMixin, ScopedModelView
from app.views.fields import (
    contact_phone_validators,
    county_field,
    enum_field,
    license_no_validators,
    optional_date_field,
)
from app.views.filters import FilterIdNumber, FilterPrefix
from app.views.registration_measures import CancelRegistrationMixin
from app.views.staff import InstitutionAdminView
from app.window.commands import WindowError, prepare_window, saved_plan


class RegionView(ReadOnlyMixin, ScopedModelView):
    """行政区划: national reference data, readable by every reviewer."""

    datamodel = SQLAInterface(Region)
    base_filters = []  # reference data is public
    list_title = show_title = _l("Administrative regions")
    list_columns = ["code", "name", "level", "parent.name", "active"]
    search_columns = ["code", "name", "level", "active"]
    label_columns = {**COLUMN_LABELS, "parent.name": _l("Parent region")}
    base_order = ("code", "asc")


class ScopeView(ScopedModelView):
    """执业范围 dictionary: national scopes, plus provincial extras a reviewer adds."""

    datamodel = SQLAInterface(PracticeScope)
    list_title = show_title = add_title = edit_title = _l("Practice scopes")
    list_columns = ["category", "code", "name", "province.name", "active"]
    search_columns = ["category", "name", "active"]
    add_columns = edit_columns = ["category", "code", "name", "sort_order", "active"]
    label_columns = {**COLUMN_LABELS, "province.name": _l("Province (blank: national)")}
    add_form_extra_fields = edit_form_extra_fields = {"category": enum_field("category", Category)}
    base_order = ("sort_order", "asc")

    def pre_add(self, item):
        """Tie a new scope to the reviewer's province (national reviewers add national ones)."""
        guard_scope_entry(item)

    pre_update = pre_add
    pre_delete = pre_add


class DepartmentView(ScopedModelView):
    """科室 of institutions in the jurisdiction."""

    datamodel = SQLAInterface(Department)
    list_title = show_title = add_title = edit_title = _l("Departments")
    list_columns = ["institution.name", "name", "active"]
    add_columns = edit_columns = ["institution", "name", "active"]
    search_columns = ["name", "active"]
    label_columns = COLUMN_LABELS
    base_order = ("id", "asc")

    def pre_add(self, item):
        """Refuse a department of an institution outside the jurisdiction."""
        guard_department(item)

    pre_update = pre_add


class InstitutionView(ScopedModelView):
    """医疗机构 in the jurisdiction."""

    datamodel = SQLAInterface(Institution)
    list_title = show_title = add_title = edit_title = _l("Medical institutions")
    list_columns = ["name", "license_no", "region.name", "grade", "auto_activate", "is_military"]
    show_columns = [
        "name", "license_no", "region", "kind", "grade", "address", "phone",
        "auto_activate", "is_military",
    ]
    add_columns = edit_columns = [
        "name", "license_no", "region_code", "kind", "grade", "address", "phone",
        "auto_activate", "is_military",
    ]
    search_columns = ["name", "license_no", "region_code", "is_military", "auto_activate"]
    search_form_query_rel_fields = {}
    label_columns = COLUMN_LABELS
    description_columns = {
        "license_no": _l("22 characters, as printed on the practice licence."),
        "is_military": _l("Physicians of military and armed-police hospitals register with the military health department."),
        "auto_activate": _l("Accounts naming this institution are activated as soon as the physician verifies the phone or e-mail."),
    }
    validators_columns = {"license_no": license_no_validators(), "phone": contact_phone_validators()}
    related_views = [DepartmentView, InstitutionAdminView]
    base_order = ("id", "asc")

    add_form_extra_fields = edit_form_extra_fields = {"region_code": county_field()}

    def pre_add(self, item):
        """Refuse an institution placed outside the jurisdiction."""
        guard_institution(item)

    pre_update = pre_add


class QualificationView(ReadOnlyMixin, ScopedModelView):
    """医师资格 records imported from the exam results."""

    datamodel = SQLAInterface(Qualification)
    list_title = show_title = _l("Qualifications")
    list_columns = ["certificate_no", "name", "id_number_masked", "level", "category", "exam_year", "province.name"]
    show_columns = [
        "certificate_no", "name", "id_type", "id_number", "level", "category",
        "province", "exam_year", "published_on", "issued_on",
    ]
    search_columns = ["certificate_no", "name", "id_number", "level", "category", "exam_year", "province_code"]
    label_columns = {**COLUMN_LABELS, "name": _l("Full name"), "province.name": _l("Province"),
                     "province_code": _l("Province code")}
    search_filters_override = {"name": [FilterPrefix, FilterEqual], "id_number": [FilterIdNumber],
                               "province_code": [FilterEqual]}


class PhysicianView(ReadOnlyMixin, ScopedModelView):
    """医师 accounts whose institution lies in the jurisdiction; the detail view shows the full ID."""

    datamodel = SQLAInterface(Physician)
    list_title = show_title = _l("Physicians")
    list_columns = ["name", "id_number_masked", "gender", "status", "institution.name", "region.name"]
    show_columns = [
        "name", "id_type", "id_number", "gender", "birth_date", "phone", "email",
        "phone_verified", "email_verified", "status", "institution", "department",
        "education", "school", "title", "created_at", "activated_at",
    ]
    export_columns = ["name", "id_number_masked", "gender", "status", "institution.name", "region.name"]
    search_columns = ["name", "id_number", "status", "region_code", "cohort", "stage", "institution_ref"]
    label_columns = {**COLUMN_LABELS, "name": _l("Full name"), "region.name": _l("Region"), **window_filters.LABELS}
    search_filters_override = {
        "name": [FilterPrefix, FilterEqual],
        "id_number": [FilterIdNumber],
        "region_code": [FilterPrefix],
        **window_filters.FILTERS,
    }
    search_form_extra_fields = window_filters.filter_fields("cohort", "stage", "institution_ref")


class FilingView(ReadOnlyMixin, ScopedModelView):
    """多机构备案 of registrations in the jurisdiction."""

    datamodel = SQLAInterface(Filing)
    list_title = show_title = _l("Multi-site filings")
    list_columns = ["registration.certificate_no", "institution.name", "valid_from", "valid_to", "status"]
    show_columns = ["registration", "institution", "scopes", "valid_from", "valid_to", "status"]
    search_columns = ["status", "valid_from", "valid_to"]
    label_columns = COLUMN_LABELS


class RegistrationView(CancelRegistrationMixin, ReadOnlyMixin, ScopedModelView):
    """执业注册 in the jurisdiction; a reviewer may cancel one ex officio (医师法 §17)."""

    datamodel = SQLAInterface(PracticeRegistration)
    base_permissions = [*ReadOnlyMixin.base_permissions, "can_cancel"]
    list_title = show_title = _l("Practice registrations")
    list_columns = ["certificate_no", "physician.name", "level", "category", "location.name", "institution.name", "status"]
    show_columns = [
        "certificate_no", "physician", "level", "category", "location", "institution",
        "scopes", "status", "suspended_until", "cancel_reason", "registered_on", "filings",
    ]
    search_columns = ["certificate_no", "level", "category", "status", "region_code", "registered_on"]
    label_columns = {**COLUMN_LABELS, "filings": _l("Multi-site filings")}
    related_views = [FilingView]


class ApplicationView(ReadOnlyMixin, ScopedModelView):
    """业务申请 naming an institution in the jurisdiction (read-only until the workflow lands)."""

    datamodel = SQLAInterface(Application)
    list_title = show_title = _l("Applications")
    list_columns = ["number", "type", "physician.name", "institution.name", "status", "submitted_at", "accept_due", "decide_due"]
    show_columns = [
        "number", "type", "status", "physician", "institution", "registration",
        "institution_opinion", "decision_comment", "submitted_at", "accept_due", "decide_due",
    ]
    search_columns = ["number", "type", "status", "region_code", "submitted_at"]
    label_columns = COLUMN_LABELS


class AssessmentView(CommissionAssessmentMixin, ScopedModelView):
    """定期考核 results in the jurisdiction; reviewers correct them, and a 不合格 suspends practice."""

    datamodel = SQLAInterface(Assessment)
    list_title = show_title = add_title = edit_title = _l("Assessments")
    list_columns = ["physician.name", "kind", "cycle_start", "cycle_end", "result", "assessed_on", "institution.name"]
    show_columns = [
        "physician", "kind", "cycle_start", "cycle_end", "result", "assessed_on",
        "institution", "suspended_until", "note",
    ]
    add_columns = [
        "physician_id_number", "kind", "cycle_start", "cycle_end", "result", "assessed_on",
        "institution", "suspended_until", "note",
    ]
    edit_columns = add_columns[1:]
    search_columns = ["kind", "result", "region_code", "cycle_end"]
    label_columns = {**COLUMN_LABELS, "kind": _l("Assessment kind"), "physician_id_number": _l("Physician's ID number")}
    # A million physicians do not fit in a drop-down: the reviewer types the ID number.
    add_form_extra_fields = {
        "physician_id_number": StringField(
            _l("Physician's ID number"), validators=[DataRequired()], filters=[normalize_id_number]
        ),
        "kind": enum_field("kind_assessment", AssessmentKind),
        "result": enum_field("result", AssessmentResult),
    }
    edit_form_extra_fields = {
        "kind": enum_field("kind_assessment", AssessmentKind),
        "result": enum_field("result", AssessmentResult),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {"institution": [["id", ScopeFilter, None]]}
    description_columns = {"suspended_until": SUSPENSION_HELP}

    def pre_add(self, item):
        """Find the physician by ID number, check scope, copy the region; a 不合格 suspends practice."""
        attach_physician_by_id_number(item, item.physician_id_number)
        guard_assessment(item)
        self.measure_on_save(item)

    def pre_update(self, item):
        """Check scope, copy the region; suspend, re-date or reinstate as the correction requires."""
        before = self.before_correction(item)
        guard_assessment(item)
        self.measure_on_save(item, before)


def record_window_edit(event: str, window: RegistrationWindow) -> None:
    """Add a security-log entry for a window edit to the session FAB is about to commit."""
    province = window.province.code if window.province is not None else window.province_code
    record(event, actor_id=g.user.id, ip=request.remote_addr, region_code=province or None,
           detail=f"{window.year} / {window.cohort_year}: {window.opens_on} – {window.closes_on}")


class WindowView(ScopedModelView):
    """年度注册窗口 of the provinces in the jurisdiction; every save goes through the window rules."""

    datamodel = SQLAInterface(RegistrationWindow)
    list_title = show_title = add_title = edit_title = _l("Registration windows")
    list_columns = ["year", "province.name", "cohort_year", "opens_on", "closes_on", "note"]
    add_columns = ["year", "province", "cohort_year", "opens_on", "closes_on", "note"]
    edit_columns = add_columns + ["change_reason"]
    search_columns = ["year", "cohort_year", "province_code"]
    label_columns = {**COLUMN_LABELS, "province.name": _l("Province"), "change_reason": _l("Reason for the change")}
    description_columns = {
        "closes_on": _l("Leave empty to close on 31 December of the window's year."),
        "change_reason": _l("Required when the window has already closed; recorded in the audit log."),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "province": [["level", FilterEqual, RegionLevel.PROVINCE.value]]
    }
    add_form_extra_fields = {"closes_on": optional_date_field("closes_on")}
    edit_form_extra_fields = {
        "closes_on": optional_date_field("closes_on"),
        "change_reason": TextAreaField(_l("Reason for the change"), validators=[Optional(), Length(max=500)]),
    }
    base_order = ("year", "desc")

    def pre_add(self, item):
        """Check the new window against the window rules and record it in the audit log."""
        self._prepare(item, None)

    def pre_update(self, item):
        """Check the change (a closed window needs a reason) and record it in the audit log."""
        self._prepare(item, saved_plan(item))

    def pre_delete(self, item):
        """Audit the deletion (written in the same transaction as the delete)."""
        record_window_edit("window_deleted", item)

    def _prepare(self, item, before) -> None:
        try:
            prepare_window(db.session, current_scope(), g.user.id, item, before,
                           getattr(item, "change_reason", None), today_in_beijing())
        except WindowError as error:
            raise ScopeViolation(error.message) from None
