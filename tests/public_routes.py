"""The reviewed list of endpoints anybody may call without logging in (every HTTP method they accept).

Every other route must answer an anonymous request with a redirect to the login page, 401, 403,
404 or 405 (tests/test_security.py walks the whole URL map). To open a new page to the public,
add its endpoint here with the reason; the review of this file is the review of the exposure.
"""

from __future__ import annotations

SIGNUP = "physician sign-up wizard (SPEC §2): anonymous by nature; later steps act only on the logged-in physician"
RECOVERY = "password recovery (SPEC §2): for people who cannot log in"
PUBLIC_API = "account API for the mobile client before login; rate-limited per client address"
LOOKUP = ("医师执业注册信息查询 (SPEC §7): exact province + full name + institution, captcha, one quota per client "
          "address shared by page and API; public fields only (no ID number, phone, e-mail, birth date)")
INSTITUTION_NAMES = "names of institutions in a province containing a text (public reference data, no physicians)"

PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "static files (CSS, JavaScript, images)",
    "healthz": "liveness probe of the load balancer: answers \"ok\", reads nothing",
    "appbuilder.static": "FAB's static files",
    "RegistryIndexView.index": "home page",
    "UtilView.back": "FAB's 'back' link: redirects to the previous page, shows nothing",
    "LocaleView.index": "language switch",
    "RegistryAuthDBView.login": "login form",
    "RegistryAuthDBView.logout": "logout",
    "RegistrySecurityApi.login": "JWT login of the REST API (rate-limited per address and per login name)",
    "OpenApi.get": "OpenAPI description of the REST API (the Public role's only grant)",
    "SignupView.identity": SIGNUP,
    "SignupView.account": SIGNUP,
    "SignupView.verify": SIGNUP,
    "SignupView.activate": SIGNUP,
    "SignupView.captcha": SIGNUP,
    "SignupView.privacy": SIGNUP,
    "SignupView.institutions": SIGNUP,
    "RecoveryView.start": RECOVERY,
    "RecoveryView.reset": RECOVERY,
    "AccountPublicApi.captcha": PUBLIC_API + " (a picture challenge, single-use token)",
    "AccountPublicApi.identity": PUBLIC_API,
    "AccountPublicApi.create": PUBLIC_API,
    "AccountPublicApi.institutions": PUBLIC_API,
    "AccountPublicApi.recovery": PUBLIC_API,
    "AccountPublicApi.recovery_reset": PUBLIC_API,
    "VerificationView.verify": "the QR code's check page: a signed token shows number, type, status, masked name",
    "LookupView.index": LOOKUP,
    "LookupView.institutions": INSTITUTION_NAMES,
    "PublicLookupApi.lookup": LOOKUP,
    "PublicLookupApi.captcha": "picture challenge of the public lookup API (signed single-use token)",
    "PublicLookupApi.institutions": INSTITUTION_NAMES,
    "PublicView.faq": "常见问题 (FAQ): public guidance drawn from the SPEC",
    "PublicView.text_size": "大字版 switch: sets a cookie, redirects back on this site only",
}

# FAB's stock action routes on its own (Admin-only) security screens have no @has_access: the
# handler checks the action's permission itself and, refused, redirects back instead of to the
# login page (an unknown action name even raises inside FAB). Our screens (ScopedModelView)
# replace both routes with ones answering 404/403. The walk tries these with a real action name.
FAB_ADMIN_SCREENS = (
    "RegistryUserView", "RegistryRoleView", "RegistryGroupView",
    "PermissionModelView", "ViewMenuModelView", "RegistryPermissionViewView",
)
SELF_CHECKED: dict[str, str] = {
    f"{screen}.{route}": "FAB stock action route: permission checked inside the handler"
    for screen in FAB_ADMIN_SCREENS
    for route in ("action", "action_post")
}
