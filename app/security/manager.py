"""Our SecurityManager: the extended user model, account lockout and a limited API login."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app, flash, has_request_context, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    PermissionViewModelView,
    RoleListWidget,
    RoleModelView,
    RoleShowWidget,
    UserDBModelView,
    UserGroupModelView,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.validators import DataRequired, Optional, Regexp

from app.api.limits import login_account_limit, login_name_key
from app.api.security import RegistrySecurityApi, install_jwt_errors
from app.domain.regions import known_region_codes
from app.labels import EMPTY, blank_none, display, format_time, role_label, role_names, yes_no
from app.models import Physician, RegistryUser, SecurityEvent
from app.models._base import utcnow
from app.security.guards import ScopeViolation
from app.security.roles import COMMISSION_REVIEWER, INSTITUTION_ADMIN
from app.views.base import ReturnToListMixin
from app.views.forms import SafeFormsMixin
from app.views.login import LoginPageView
from app.views.settings import MyPasswordView, ProfileEditRedirectView, settings_url

log = logging.getLogger(__name__)


def permission_lines(permissions) -> str:
    """Return a role's permissions one per line: FAB's "can list on X", or a configured (view, permission) pair."""
    lines = [f"{p[0]} : {p[1]}" if isinstance(p, tuple) else str(p) for p in permissions or []]
    return "\n".join(lines) or EMPTY


def _without_last_name(columns: list[str]) -> list[str]:
    return [column for column in columns if column != "last_name"]


class RegistryUserView(ReturnToListMixin, SafeFormsMixin, UserDBModelView):
    """FAB's user screen plus the staff scope columns and an unlock action.

    One 姓名 field (``first_name``): FAB's required 姓 (``last_name``) is empty for every account,
    so its edit form could never be saved.
    """

    list_columns = ["username", "first_name", "email", "roles", "active", "fail_login_count"]
    add_columns = _without_last_name(UserDBModelView.add_columns) + ["institution", "jurisdiction_code"]
    edit_columns = _without_last_name(UserDBModelView.edit_columns) + ["institution", "jurisdiction_code"]
    show_columns = [
        "username", "first_name", "email", "active", "roles",
        "institution", "jurisdiction_code", "login_count", "fail_login_count", "last_login",
    ]
    search_columns = _without_last_name(UserDBModelView.search_columns)
    show_fieldsets = None
    user_show_fieldsets = [
        (title, {**fieldset, "fields": _without_last_name(fieldset["fields"])})
        for title, fieldset in UserDBModelView.user_show_fieldsets
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "first_name": _l("Full name"),
        "institution": _l("Institution"),
        "jurisdiction_code": _l("Jurisdiction (region code)"),
        "fail_login_count": _l("Failed logins"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "first_name": _l("The account holder's full name."),
        "institution": _l("Institution admins only: the institution the account manages."),
        "jurisdiction_code": _l(
            "Commission reviewers only: a province, prefecture or county code; 000000 for national."
        ),
    }
    formatters_columns = {
        "roles": role_names,
        "active": yes_no,
        "fail_login_count": lambda value: value or 0,
        "login_count": lambda value: value or 0,
        "institution": display,
        "jurisdiction_code": blank_none,
        "last_login": format_time,
        "created_on": format_time,
        "changed_on": format_time,
    }
    base_order = ("id", "asc")
    validators_columns = {
        **UserDBModelView.validators_columns,
        "first_name": [DataRequired(message=_l("Please enter the full name."))],
        "jurisdiction_code": [Optional(), Regexp(r"^\d{6}$", message=_l("Six digits, e.g. 110000; 000000 for national."))],
    }

    def _init_forms(self):
        super()._init_forms()
        # Role names are identifiers (CommissionReviewer): offer them by their Chinese names.
        for form in (self.add_form, self.edit_form, self.search_form):
            unbound = getattr(form, "roles", None)
            if unbound is not None and hasattr(unbound, "kwargs"):
                unbound.kwargs["get_label"] = role_label

    def _check_scope_columns(self, item) -> None:
        """Refuse a reviewer without a jurisdiction or an institution admin without an institution."""
        names = {role.name for role in item.roles}
        if COMMISSION_REVIEWER in names:
            code = item.jurisdiction_code or ""
            if code != "000000" and code not in known_region_codes():
                raise ScopeViolation(_l("A commission reviewer needs a known region code as jurisdiction (000000 for national)."))
        if INSTITUTION_ADMIN in names and item.institution is None:
            raise ScopeViolation(_l("An institution admin needs an institution."))
        item.last_name = item.last_name or ""

    def pre_add(self, item):
        """Check the scope columns, then let FAB hash the password."""
        self._check_scope_columns(item)
        super().pre_add(item)

    def pre_update(self, item):
        """Check the scope columns, then let FAB stamp the change."""
        self._check_scope_columns(item)
        super().pre_update(item)

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """Send everybody to our own security settings instead of FAB's editable profile."""
        return redirect(settings_url())

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        """Reset the failed-login counter of the selected accounts."""
        users = items if isinstance(items, list) else [items]
        for user in users:
            self.appbuilder.sm.unlock_user(user)
        flash(_l("%(count)d account(s) unlocked.", count=len(users)), "success")
        return redirect(self.get_redirect())


class RegistryAuthDBView(LoginPageView):
    """FAB's login, with our page: links to sign-up and recovery, the lockout rule explained."""

    login_template = "security/login.html"


class RegistryRoleView(ReturnToListMixin, RoleModelView):
    """FAB's role screen with every column labelled (FAB labels only name and permissions)."""

    class_permission_name = "RoleModelView"  # keep FAB's permission names
    label_columns = {**RoleModelView.label_columns, "user": _l("Users"), "groups": _l("Groups")}
    list_widget = type("RoleListWidgetZh", (RoleListWidget,), {"template": "roles_list.html"})
    show_widget = type("RoleShowWidgetZh", (RoleShowWidget,), {"template": "roles_show.html"})
    formatters_columns = {"name": role_label, "permissions": permission_lines}


class RegistryGroupView(ReturnToListMixin, UserGroupModelView):
    """FAB's group screen with labels (FAB 5.3 defines none)."""

    class_permission_name = "UserGroupModelView"  # keep FAB's permission names
    label_columns = {
        "name": _l("Name"),
        "label": _l("Display name"),
        "description": _l("Description"),
        "users": _l("Users"),
        "roles": _l("Roles"),
    }


class RegistryPermissionViewView(PermissionViewModelView):
    """FAB's permission-on-view screen with its role filter labelled (FAB leaves it unlabelled)."""

    class_permission_name = "PermissionViewModelView"  # keep FAB's permission names
    label_columns = {**PermissionViewModelView.label_columns, "role": _l("Roles")}


class RegistrySecurityManager(SecurityManager):
    """Security manager of the registry."""

    user_model = RegistryUser
    userdbmodelview = RegistryUserView
    rolemodelview = RegistryRoleView
    groupmodelview = RegistryGroupView
    permissionviewmodelview = RegistryPermissionViewView
    userstatschartview = None  # FAB's chart loads Google's CDN (unreachable for many users) and is untranslated
    authdbview = RegistryAuthDBView
    # FAB's own profile and password forms change names and passwords without checks: ours instead.
    userinfoeditview = ProfileEditRedirectView
    resetmypasswordview = MyPasswordView
    security_api = RegistrySecurityApi

    def create_jwt_manager(self, app):
        """Create FAB's JWT manager, answering token failures in the API's error shape."""
        jwt_manager = super().create_jwt_manager(app)
        install_jwt_errors(jwt_manager)
        return jwt_manager

    def is_locked(self, user) -> bool:
        """Tell whether too many failed logins have locked the account (and the lock has not expired)."""
        threshold = current_app.config["LOCKOUT_THRESHOLD"]
        if not threshold or (user.fail_login_count or 0) < threshold:
            return False
        if not current_app.config["LOCKOUT_MINUTES"]:
            return True  # locked until an administrator unlocks it
        ends = self.lock_ends_at(user)
        return ends is not None and utcnow() < ends

    def lock_ends_at(self, user) -> dt.datetime | None:
        """Return when the lock of the account ends (naive UTC), or None when only an administrator ends it."""
        minutes = current_app.config["LOCKOUT_MINUTES"]
        if not minutes:
            return None
        last_failure = self.session.scalar(
            select(func.max(SecurityEvent.created_at)).where(
                SecurityEvent.user_id == user.id, SecurityEvent.event == "login_failed"
            )
        )
        return last_failure + dt.timedelta(minutes=minutes) if last_failure is not None else None

    def unlock_user(self, user) -> None:
        """Clear the failed-login counter so the user can log in again."""
        user.fail_login_count = 0
        self.update_user(user)
        self._audit("account_unlocked", user)
        log.info("security: account unlocked: %s", user.username)

    def get_user_by_id(self, pk):
        """Load the user with its roles and groups in one statement (run on every request)."""
        statement = (
            select(self.user_model)
            .where(self.user_model.id == pk)
            .options(joinedload(self.user_model.roles), joinedload(self.user_model.groups))
        )
        return self.session.scalars(statement).unique().first()

    def on_user_login(self, user) -> None:
        """Write the login to the security audit log."""
        self._audit("login", user)

    def on_user_login_failed(self, user) -> None:
        """Write the failed login to the security audit log."""
        self._audit("login_failed", user)

    def _audit(self, event: str, user) -> None:
        physician = self.session.scalars(select(Physician).where(Physician.user_id == user.id)).first()
        self.session.add(SecurityEvent(
            event=event, user_id=user.id, physician_id=physician.id if physician else None,
            institution_id=physician.institution_id if physician else user.institution_id,
            region_code=physician.region_code if physician else None,
            ip=request.remote_addr if has_request_context() else None,
        ))
        self.session.commit()

    def auth_user_db(self, username, password):
        """Authenticate, refusing locked accounts even with the right password."""
        # FAB also accepts the e-mail address as login name: look the account up the same way,
        # or a locked account could still log in with its e-mail address.
        user = (self.find_user(username=username) or self.find_user(email=username)) if username else None
        if user is not None and self.is_locked(user):
            # Refused without counting: attempts during the lock must not prolong it.
            log.warning("security: login refused, account locked: %s", username)
            self._audit("login_refused_locked", user)
            return None
        if user is not None and (user.fail_login_count or 0) >= (current_app.config["LOCKOUT_THRESHOLD"] or 1):
            user.fail_login_count = 0  # the lock has expired: start counting afresh
        return super().auth_user_db(username, password)

    def register_views(self) -> None:
        """Register FAB's security views; limit logins per login name first, per address generously."""
        super().register_views()  # FAB limits the web login per address (AUTH_RATE_LIMIT)
        if not self.is_auth_limited:
            return
        for view in self.appbuilder.baseviews:
            if isinstance(view, self.security_api):
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
        for view in (self.auth_view, *[v for v in self.appbuilder.baseviews if isinstance(v, self.security_api)]):
            self.limiter.limit(login_account_limit, key_func=login_name_key, methods=["POST"])(view.blueprint)
