"""Screens of an institution admin (机构管理员): its own profile, departments, physicians, assessments."""

from __future__ import annotations

from flask import flash, g
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.accounts.activation import activate_waiting
from app.domain.enums import AssessmentKind, AssessmentResult
from app.labels import COLUMN_LABELS
from app.models import Assessment, Department, Institution, Physician
from app.security.guards import ScopeViolation, guard_assessment, guard_department
from app.security.roles import ADMIN
from app.security.scope import current_scope
from app.views import window_filters
from app.views.assessment_measures import RESULT_HELP_INSTITUTION, old_value, refuse_failed_by_institution
from app.views.base import ScopedModelView
from app.views.fields import contact_phone_validators, enum_field
from app.views.filters import FilterIdNumber, FilterPrefix


def _own_institution_id():
    return current_scope().institution_id


class MyInstitutionView(ScopedModelView):
    """本机构信息: the admin's own institution; only contact details and 自动激活 are editable."""

    datamodel = SQLAInterface(Institution)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_title = show_title = edit_title = _l("My institution")
    list_columns = ["name", "license_no", "region.name", "auto_activate"]
    show_columns = ["name", "license_no", "region", "kind", "grade", "address", "phone", "auto_activate", "departments"]
    edit_columns = ["address", "phone", "auto_activate"]
    label_columns = COLUMN_LABELS
    validators_columns = {"phone": contact_phone_validators()}
    description_columns = {
        "auto_activate": _l(
            "When on, physicians who choose this institution are activated as soon as they verify their phone or e-mail."
        )
    }

    def post_update(self, item):
        """Switching 自动激活 on activates the accounts already waiting for this institution."""
        activated = activate_waiting(item.id, actor_id=g.user.id)
        if activated:
            flash(gettext("%(count)d waiting account(s) were activated.", count=activated), "success")


class MyDepartmentView(ScopedModelView):
    """科室 of the admin's institution."""

    datamodel = SQLAInterface(Department)
    list_title = show_title = add_title = edit_title = _l("Departments")
    list_columns = ["name", "active"]
    add_columns = edit_columns = ["name", "active"]
    search_columns = ["name", "active"]
    label_columns = COLUMN_LABELS
    base_order = ("name", "asc")

    def pre_add(self, item):
        """Attach the department to the admin's own institution, whatever the form said."""
        guard_department(item)

    pre_update = pre_add


class MyPhysicianView(ScopedModelView):
    """Physicians registered or filed at the institution, or waiting for its activation; 科室 is assigned here."""

    datamodel = SQLAInterface(Physician)
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]
    list_title = show_title = _l("Our physicians")
    edit_title = _l("Assign department")
    list_columns = ["name", "id_number_masked", "gender", "phone_masked", "status", "department.name"]
    show_columns = [
        "name", "id_number_masked", "gender", "birth_date", "phone_masked", "status",
        "department", "education", "school", "title", "created_at", "activated_at",
    ]
    export_columns = ["name", "id_number_masked", "gender", "phone_masked", "status", "department.name"]
    search_columns = ["name", "id_number", "status", "department", "cohort", "stage", "waiting"]
    search_form_query_rel_fields = {"department": [["institution_id", FilterEqualFunction, _own_institution_id]]}
    label_columns = {**COLUMN_LABELS, "name": _l("Full name"), "department.name": _l("Department"),
                     **window_filters.LABELS}
    search_filters_override = {"name": [FilterPrefix, FilterEqual], "id_number": [FilterIdNumber],
                               **window_filters.FILTERS}
    search_form_extra_fields = window_filters.filter_fields("cohort", "stage", "waiting")
    edit_columns = ["department"]
    edit_form_query_rel_fields = {
        "department": [["institution_id", FilterEqualFunction, _own_institution_id], ["active", FilterEqual, True]]
    }
    description_columns = {"department": _l("Only the departments of your institution are offered.")}

    def pre_update(self, item):
        """Let only the physician's own institution assign a department, and only one of its own."""
        scope = current_scope()
        if scope.role != ADMIN and item.institution_id != scope.institution_id:
            raise ScopeViolation(_l("Only the physician's own institution assigns the department."))
        if item.department is not None and item.department.institution_id != item.institution_id:
            raise ScopeViolation(_l("Choose a department of the physician's institution."))


class MyAssessmentView(ScopedModelView):
    """定期考核 results recorded by the institution for its physicians."""

    datamodel = SQLAInterface(Assessment)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]
    list_title = show_title = add_title = edit_title = _l("Assessments")
    list_columns = ["physician.name", "kind", "cycle_start", "cycle_end", "result", "assessed_on"]
    show_columns = ["physician", "kind", "cycle_start", "cycle_end", "result", "assessed_on", "suspended_until", "note"]
    # the end of a suspension is the commission's decision: shown here, never entered
    add_columns = edit_columns = ["physician", "kind", "cycle_start", "cycle_end", "result", "assessed_on", "note"]
    search_columns = ["kind", "result", "cycle_end"]
    label_columns = {**COLUMN_LABELS, "kind": _l("Assessment kind")}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "physician": [["institution_id", FilterEqualFunction, _own_institution_id]]
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": enum_field("kind_assessment", AssessmentKind),
        "result": enum_field("result", AssessmentResult, description=RESULT_HELP_INSTITUTION),
    }

    def pre_add(self, item):
        """Record the assessment for our own institution and a physician in our scope (not a 不合格)."""
        refuse_failed_by_institution(item)
        guard_assessment(item)

    def pre_update(self, item):
        """Correct an own result, unless it is (or becomes) a 不合格: the commission corrects those."""
        refuse_failed_by_institution(item, was_failed=old_value(item, "result") == AssessmentResult.FAILED)
        guard_assessment(item)
