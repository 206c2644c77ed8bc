"""Commission screen for the admin accounts of the institutions in the jurisdiction."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from app.labels import COLUMN_LABELS
from app.models import RegistryUser
from app.security.guards import ScopeViolation, guard_institution_admin
from app.security.scope import SCOPE_FILTER, ScopeFilter
from app.views.base import ScopedModelView


class InstitutionAdminView(ScopedModelView):
    """机构管理员账户: create, disable and move the admin accounts of institutions in scope."""

    datamodel = SQLAInterface(RegistryUser)
    base_filters = SCOPE_FILTER + [["institution_id", FilterNotEqual, None]]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]
    list_title = show_title = add_title = edit_title = _l("Institution admin accounts")
    list_columns = ["username", "first_name", "email", "institution.name", "active", "last_login"]
    show_columns = ["username", "first_name", "email", "institution", "active", "last_login", "fail_login_count"]
    add_columns = ["username", "first_name", "email", "institution", "active", "password", "conf_password"]
    edit_columns = ["first_name", "email", "institution", "active"]
    search_columns = ["username", "first_name", "email", "active"]
    label_columns = {
        **COLUMN_LABELS,
        "username": _l("Login name"),
        "first_name": _l("Full name"),
        "last_login": _l("Last login"),
        "fail_login_count": _l("Failed logins"),
        "password": _l("Password"),
        "conf_password": _l("Confirm password"),
    }
    # Military and armed-police hospitals register with the military health department: no admin here.
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "institution": [["id", ScopeFilter, None], ["is_military", FilterEqual, False]]
    }
    validators_columns = {
        "institution": [DataRequired(message=_l("Please choose the institution the account manages."))],
        "first_name": [DataRequired(message=_l("Please enter the full name."))],
    }
    add_form_extra_fields = {
        "password": PasswordField(
            _l("Password"),
            validators=[DataRequired(), PasswordComplexityValidator()],
            widget=BS3PasswordFieldWidget(),
        ),
        "conf_password": PasswordField(
            _l("Confirm password"),
            validators=[DataRequired(), EqualTo("password", message=_l("Passwords must match"))],
            widget=BS3PasswordFieldWidget(),
        ),
    }
    base_order = ("id", "asc")

    def pre_add(self, item):
        """Make the account an institution admin of an institution in scope, with a hashed password."""
        _refuse_military(item)
        guard_institution_admin(item)
        item.last_name = item.last_name or ""
        item.password = generate_password_hash(
            item.password, method=current_app.config["FAB_PASSWORD_HASH_METHOD"]
        )

    def pre_update(self, item):
        """Keep the account an institution admin of an institution in scope."""
        _refuse_military(item)
        guard_institution_admin(item)


def _refuse_military(user) -> None:
    """Refuse an admin account for a military or armed-police hospital (it registers elsewhere)."""
    if user.institution is not None and user.institution.is_military:
        raise ScopeViolation(_l("Military and armed-police hospitals have no institution admin in this system."))
