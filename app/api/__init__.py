"""REST APIs under /api/v1/: the same row scope as the screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.api.base import RegistryModelRestApi
from app.counting import CountingInterface
from app.labels import COLUMN_LABELS, with_enum_labels
from app.models import Application, Institution, Physician, PracticeRegistration
from app.security.registry import require_row_scope
from app.security.scope import SCOPE_FILTER

# Columns only the APIs show (the screens show the related names instead).
API_LABELS = {
    "id": _l("Record ID"),
    "institution_id": _l("Institution ID"),
    "physician_id": _l("Physician ID"),
    "location_code": _l("Practice location code"),
}


class ScopedReadApi(RegistryModelRestApi):
    """A read-only model API whose every list and get-by-id is limited to the caller's scope."""

    allow_browser_login = True
    include_route_methods = {"get", "get_list"}
    base_filters = SCOPE_FILTER
    base_order = ("id", "desc")
    max_page_size = 100
    label_columns = {**COLUMN_LABELS, **API_LABELS}

    def pre_get_list(self, data: dict) -> None:
        """Say whether ``count`` is an estimate; send every enumeration with its Chinese label beside it."""
        data["count_estimated"] = bool(getattr(data.get("count"), "estimated", False))
        for row in data.get("result", []):
            with_enum_labels(self.datamodel.obj, row)

    def pre_get(self, data: dict) -> None:
        """Send every stored enumeration of the row with its Chinese label beside it."""
        with_enum_labels(self.datamodel.obj, data.get("result", {}))


class PhysicianApi(ScopedReadApi):
    """Physicians in scope; ID numbers and phones are never sent unmasked."""

    resource_name = "physician"
    datamodel = CountingInterface(Physician)
    list_columns = ["id", "name", "id_number_masked", "gender", "status", "institution_id", "region_code"]
    show_columns = list_columns + ["phone_masked", "education", "school", "title"]


class InstitutionApi(ScopedReadApi):
    """Medical institutions in scope."""

    resource_name = "institution"
    datamodel = CountingInterface(Institution)
    list_columns = ["id", "name", "license_no", "region_code", "grade", "auto_activate", "is_military"]
    show_columns = list_columns + ["kind", "address", "phone"]


class RegistrationApi(ScopedReadApi):
    """Practice registrations in scope."""

    resource_name = "registration"
    datamodel = CountingInterface(PracticeRegistration)
    list_columns = ["id", "certificate_no", "physician_id", "level", "category", "location_code", "institution_id", "status"]
    show_columns = list_columns + ["registered_on", "suspended_until", "cancel_reason"]


class ApplicationApi(ScopedReadApi):
    """Applications in scope (read-only until the workflow lands)."""

    resource_name = "application"
    datamodel = CountingInterface(Application)
    list_columns = ["id", "number", "type", "status", "physician_id", "institution_id", "submitted_at"]
    show_columns = list_columns + ["accept_due", "decide_due", "institution_opinion", "decision_comment"]


def register_apis(appbuilder) -> None:
    """Add the REST APIs."""
    apis = (PhysicianApi, InstitutionApi, RegistrationApi, ApplicationApi)
    for api in apis:
        appbuilder.add_api(api)
    require_row_scope(view for view in appbuilder.baseviews if isinstance(view, apis))
    from app.api.account import register_account_apis
    from app.api.applications import ApplicationWorkflowApi
    from app.api.lookup import PublicLookupApi
    from app.api.measures import RegistrationMeasureApi
    from app.api.openapi import register_openapi
    from app.api.profile_changes import ProfileChangeApi

    appbuilder.add_api(ApplicationWorkflowApi)
    appbuilder.add_api(RegistrationMeasureApi)
    appbuilder.add_api(ProfileChangeApi)
    appbuilder.add_api(PublicLookupApi)

    register_account_apis(appbuilder)
    register_openapi(appbuilder)
