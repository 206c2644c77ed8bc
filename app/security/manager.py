"""Our SecurityManager: the extended user model, account lockout and a limited API login."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect
from flask_appbuilder.actions import action
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models import RegistryUser

log = logging.getLogger(__name__)


class RegistryUserView(UserDBModelView):
    """FAB's user screen plus the staff scope columns and an unlock action."""

    list_columns = ["username", "first_name", "email", "roles", "active", "fail_login_count"]
    add_columns = UserDBModelView.add_columns + ["institution", "jurisdiction_code"]
    edit_columns = UserDBModelView.edit_columns + ["institution", "jurisdiction_code"]
    show_columns = [
        "username", "first_name", "last_name", "email", "active", "roles",
        "institution", "jurisdiction_code", "login_count", "fail_login_count", "last_login",
    ]
    show_fieldsets = None
    label_columns = {
        "institution": _l("Institution"),
        "jurisdiction_code": _l("Jurisdiction (region code)"),
        "fail_login_count": _l("Failed logins"),
    }
    description_columns = {
        "institution": _l("Institution admins only: the institution the account manages."),
        "jurisdiction_code": _l(
            "Commission reviewers only: a province, prefecture or county code; 000000 for national."
        ),
    }
    base_order = ("id", "asc")

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock")
    def unlock(self, items):
        """Reset the failed-login counter of the selected accounts."""
        users = items if isinstance(items, list) else [items]
        for user in users:
            self.appbuilder.sm.unlock_user(user)
        flash(_l("%(count)d account(s) unlocked.", count=len(users)), "success")
        return redirect(self.get_redirect())


class RegistrySecurityManager(SecurityManager):
    """Security manager of the registry."""

    user_model = RegistryUser
    userdbmodelview = RegistryUserView

    def is_locked(self, user) -> bool:
        """Tell whether too many failed logins have locked the account."""
        threshold = current_app.config["LOCKOUT_THRESHOLD"]
        return bool(threshold) and (user.fail_login_count or 0) >= threshold

    def unlock_user(self, user) -> None:
        """Clear the failed-login counter so the user can log in again."""
        user.fail_login_count = 0
        self.update_user(user)
        log.info("security: account unlocked: %s", user.username)

    def auth_user_db(self, username, password):
        """Authenticate, refusing locked accounts even with the right password."""
        user = self.find_user(username=username) if username else None
        if user is not None and self.is_locked(user):
            log.warning("security: login refused, account locked: %s", username)
            self.update_user_auth_stat(user, False)
            return None
        return super().auth_user_db(username, password)

    def register_views(self) -> None:
        """Register FAB's security views, and rate-limit the API login like the web one."""
        super().register_views()
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
