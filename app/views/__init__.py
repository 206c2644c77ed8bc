"""Register every screen with its menu place."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.security.registry import require_row_scope
from app.views import commission as c
from app.views import institution as i
from app.views.account import register_account_views
from app.views.activation import ActivationQueueView
from app.views.applications import CommissionQueueView, InstitutionQueueView
from app.views.audit import AuditLogView, SecurityEventView
from app.views.calendar import WorkdayEntryView, WorkdayYearView
from app.views.dashboard import DashboardView
from app.views.documents import ApplicationDocumentView, VerificationView
from app.views.exports import ExportJobView
from app.views.imports import QualificationImportView
from app.views.lookup import LookupView
from app.views.my_applications import MyApplicationsView
from app.views.physician import PhysicianHomeView
from app.views.profile_changes import (
    CommissionProfileChangeView,
    InstitutionProfileChangeView,
    MyProfileChangeView,
)
from app.views.public import PublicView
from app.views.staff import InstitutionAdminView
from app.views.window import InstitutionWindowView, WindowBoardView


def register_views(appbuilder) -> None:
    """Add the screens of each audience to the menu (names are permission keys, labels are shown)."""
    add = appbuilder.add_view
    ref = {"category": "Reference", "category_label": _l("Reference data"), "category_icon": "fa-book"}
    org = {"category": "Institutions", "category_label": _l("Institutions"), "category_icon": "fa-hospital-o"}
    doc = {"category": "Physicians", "category_label": _l("Physicians"), "category_icon": "fa-user-md"}
    app_ = {"category": "Applications", "category_label": _l("Registration"), "category_icon": "fa-file-text-o"}
    mine = {"category": "MyInstitution", "category_label": _l("My institution"), "category_icon": "fa-hospital-o"}
    audit = {"category": "Audit", "category_label": _l("Audit"), "category_icon": "fa-shield"}

    add(c.InstitutionView, "InstitutionView", label=_l("Medical institutions"), icon="fa-hospital-o", **org)
    add(c.DepartmentView, "DepartmentView", label=_l("Departments"), icon="fa-sitemap", **org)
    add(InstitutionAdminView, "InstitutionAdminView", label=_l("Institution admin accounts"), icon="fa-key", **org)
    add(c.PhysicianView, "PhysicianView", label=_l("Physicians"), icon="fa-user-md", **doc)
    add(c.QualificationView, "QualificationView", label=_l("Qualifications"), icon="fa-id-card-o", **doc)
    add(QualificationImportView, "QualificationImportView", label=_l("Import exam results"), icon="fa-upload", **doc)
    add(c.RegistrationView, "RegistrationView", label=_l("Practice registrations"), icon="fa-certificate", **doc)
    add(c.FilingView, "FilingView", label=_l("Multi-site filings"), icon="fa-clone", **doc)
    add(c.AssessmentView, "AssessmentView", label=_l("Assessments"), icon="fa-check-square-o", **doc)
    add(CommissionQueueView, "CommissionQueueView", label=_l("Acceptance and approval"), icon="fa-gavel", **app_)
    add(c.ApplicationView, "ApplicationView", label=_l("Applications"), icon="fa-file-text-o", **app_)
    add(DashboardView, "DashboardView", label=_l("Statistics"), icon="fa-bar-chart", **app_)
    add(WindowBoardView, "WindowBoardView", label=_l("Yearly registration window"), icon="fa-calendar", **app_)
    add(CommissionProfileChangeView, "CommissionProfileChangeView", label=_l("Profile change records"),
        icon="fa-pencil-square-o", **app_)
    add(c.WindowView, "WindowView", label=_l("Window settings"), icon="fa-calendar-plus-o", **app_)
    add(WorkdayEntryView, "WorkdayEntryView", label=_l("Working-day calendar"), icon="fa-calendar-check-o", **app_)
    add(WorkdayYearView, "WorkdayYearView", label=_l("Completed calendar years"), icon="fa-calendar-o", **app_)
    add(c.RegionView, "RegionView", label=_l("Administrative regions"), icon="fa-map-o", **ref)
    add(c.ScopeView, "ScopeView", label=_l("Practice scopes"), icon="fa-list", **ref)

    add(i.MyInstitutionView, "MyInstitutionView", label=_l("Institution profile"), icon="fa-hospital-o", **mine)
    add(i.MyDepartmentView, "MyDepartmentView", label=_l("Departments"), icon="fa-sitemap", **mine)
    add(InstitutionQueueView, "InstitutionQueueView", label=_l("Applications to review"), icon="fa-inbox", **mine)
    add(InstitutionProfileChangeView, "InstitutionProfileChangeView", label=_l("Profile change requests"),
        icon="fa-pencil-square-o", **mine)
    add(i.MyPhysicianView, "MyPhysicianView", label=_l("Our physicians"), icon="fa-user-md", **mine)
    add(i.MyAssessmentView, "MyAssessmentView", label=_l("Assessments"), icon="fa-check-square-o", **mine)
    add(InstitutionWindowView, "InstitutionWindowView", label=_l("Registration progress"), icon="fa-calendar", **mine)
    add(ActivationQueueView, "ActivationQueueView", label=_l("Activation queue"), icon="fa-key", **mine)
    add(AuditLogView, "AuditLogView", label=_l("Audit log"), icon="fa-shield", **audit)
    # The security events alone stay reachable (and exportable) at their old address, off the menu.
    appbuilder.add_view_no_menu(SecurityEventView)
    # 我的导出 (large exports written in the background): linked from the account menu and the export's notice.
    appbuilder.add_view_no_menu(ExportJobView)

    add(PhysicianHomeView, "MyHome", label=_l("My home"), icon="fa-home")
    # Reached from 个人中心 (a top-level menu entry would make the admin's menu wrap at 1366 px).
    appbuilder.add_view_no_menu(MyApplicationsView)
    appbuilder.add_view_no_menu(MyProfileChangeView)
    appbuilder.add_view_no_menu(PublicView)
    # Application documents (row-checked downloads) and the public QR check: no menu entries.
    appbuilder.add_view_no_menu(ApplicationDocumentView)
    appbuilder.add_view_no_menu(VerificationView)
    # 医师执业注册信息查询: public, linked from the home page, the footer and the QR check page.
    appbuilder.add_view_no_menu(LookupView)

    from app.api import register_apis

    register_apis(appbuilder)
    register_account_views(appbuilder)
    # Refuse to start if any registered model view or API (ours or FAB's) lacks the row scope.
    require_row_scope(appbuilder.baseviews)
