"""The permission matrix: every role and what it may do, in one reviewable place.

FAB checks these "builtin" roles from configuration (regexes anchored with ``$``), so a request
never queries the database for permissions. ``flask init`` mirrors the matrix into the role
tables so the admin screens show the same thing.
"""

PHYSICIAN = "Physician"
INSTITUTION_ADMIN = "InstitutionAdmin"
COMMISSION_REVIEWER = "CommissionReviewer"
ADMIN = "Admin"
PUBLIC = "Public"

READ = r"^(can_list|can_show|menu_access)$"
MANAGE = r"^(can_list|can_show|can_add|can_edit|can_delete|can_export|menu_access)$"
API_READ = r"^can_get$"
READ_EXPORT = r"^(can_list|can_show|can_export|menu_access)$"
QUEUE = r"^(can_queue|can_detail|can_act|menu_access)$"

# (role) -> [(view or menu name regex, permission regex)]
ROLE_MATRIX: dict[str, list[tuple[str, str]]] = {
    ADMIN: [(r".*", r".*")],
    COMMISSION_REVIEWER: [
        (r"^(RegionView|QualificationView|RegistrationView|FilingView|ApplicationView)$", READ_EXPORT),
        (r"^(InstitutionView|DepartmentView|InstitutionAdminView|AssessmentView)$", MANAGE),
        (r"^(WindowView|ScopeView|WorkdayEntryView|WorkdayYearView)$", MANAGE),
        (r"^RegistrationView$", r"^can_cancel$"),  # 依职权注销 (医师法 §17)
        (r"^RegistrationMeasureApi$", r"^can_(read|write)$"),
        (r"^SecurityEventView$", READ_EXPORT),
        (r"^AuditLogView$", r"^(can_index|can_export|menu_access)$"),
        (r"^PhysicianView$", READ_EXPORT),
        (r"^CommissionQueueView$", QUEUE),
        (r"^DashboardView$", r"^(can_index|can_rows|can_export|menu_access)$"),
        (r"^WindowBoardView$", r"^(can_read|menu_access)$"),
        (r"^QualificationImportView$", r"^(can_read|can_write|menu_access)$"),  # own jurisdiction only
        (r"^ExportJobView$", r"^can_read$"),  # 我的导出: the user's own export jobs only
        (r"^CommissionProfileChangeView$", r"^(can_queue|can_detail|menu_access)$"),  # read-only
        (r"^ProfileChangeApi$", r"^can_read$"),
        (r"^ApplicationWorkflowApi$", r"^can_(read|write)$"),
        (r"^(PhysicianApi|InstitutionApi|RegistrationApi|ApplicationApi)$", API_READ),
        (r"^(Reference|Institutions|Physicians|Applications|Audit)$", r"^menu_access$"),
    ],
    INSTITUTION_ADMIN: [
        (r"^MyInstitutionView$", r"^(can_list|can_show|can_edit|can_export|menu_access)$"),
        (r"^InstitutionQueueView$", QUEUE),
        (r"^InstitutionWindowView$", r"^(can_read|can_remind|menu_access)$"),
        (r"^InstitutionProfileChangeView$", QUEUE),
        (r"^ProfileChangeApi$", r"^can_(read|write)$"),
        (r"^ApplicationWorkflowApi$", r"^can_(read|write)$"),
        (r"^MyDepartmentView$", MANAGE),
        (r"^ActivationQueueView$", r"^(can_list|can_show|can_export|issue_sms|issue_email|revoke|menu_access)$"),
        (r"^SecurityEventView$", READ_EXPORT),
        (r"^AuditLogView$", r"^(can_index|can_export|menu_access)$"),
        (r"^MyPhysicianView$", r"^(can_list|can_show|can_edit|can_export|menu_access)$"),  # edit: 科室
        (r"^MyAssessmentView$", r"^(can_list|can_show|can_add|can_edit|can_export|menu_access)$"),
        (r"^ExportJobView$", r"^can_read$"),  # 我的导出: the user's own export jobs only
        (r"^(MyInstitution|Audit)$", r"^menu_access$"),
        (r"^(PhysicianApi|InstitutionApi|RegistrationApi|ApplicationApi)$", API_READ),
    ],
    PHYSICIAN: [
        (r"^PhysicianHomeView$", r"^(can_index|menu_access)$"),
        (r"^ApplicationWorkflowApi$", r"^can_(read|write)$"),
        (r"^MyApplicationsView$", r"^(can_queue|can_detail|can_act|can_start|can_step)$"),
        (r"^(MyProfileChangeView|ProfileChangeApi)$", r"^can_(read|write)$"),
        (r"^MyHome$", r"^menu_access$"),
        (r"^(PhysicianApi|RegistrationApi|ApplicationApi)$", API_READ),
        (r"^AccountApi$", r"^can_self_service$"),
    ],
}

# Every role may read and edit its own FAB user info and reset its own password.
# FAB names the user screen's permissions after its class: ours is RegistryUserView (the
# userinfo page and its two buttons); the forms behind the buttons are separate views.
SELF_SERVICE = [
    (r"^RegistryUserView$", r"^(can_userinfo|userinfoedit|resetmypassword)$"),
    (r"^(UserInfoEditView|ResetMyPasswordView)$", r"^(can_this_form_get|can_this_form_post)$"),
]
for _role in (COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN):
    ROLE_MATRIX[_role].extend(SELF_SERVICE)

# Anonymous visitors: the OpenAPI document, so mobile-client developers can read the API.
ROLE_MATRIX[PUBLIC] = [(r"^OpenApi$", r"^can_get$")]

# The application's photo and printable form: the row scope decides which applications (404 outside).
for _role in (COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN):
    ROLE_MATRIX[_role].append((r"^ApplicationDocumentView$", r"^can_download$"))

STAFF_ROLES = (COMMISSION_REVIEWER, INSTITUTION_ADMIN)
ALL_ROLES = tuple(ROLE_MATRIX)
