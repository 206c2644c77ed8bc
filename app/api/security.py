"""FAB's JWT login and refresh, answering every refusal as {"code", "message", "params"}.

``RegistrySecurityApi`` replaces FAB's SecurityApi (``security_api`` of our security manager): the
body is validated (a missing ``provider`` is 400, not a KeyError), a locked account gets its own code
``account_locked`` with the time the lock ends (Beijing time), and JWT failures (missing, invalid,
expired token) answer 401 in the same shape through Flask-JWT-Extended's callbacks.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.security.api import SecurityApi
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.api.base import ApiErrorsMixin
from app.domain.clock import to_beijing
from app.errors import api_error, api_message, json_error


class LoginRequest(Schema):
    """The body of POST /api/v1/security/login."""

    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             metadata={"description": "login name or e-mail address", "example": "physician"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    provider = fields.String(required=True, validate=validate.OneOf(["db"]),
                             metadata={"description": "always db", "example": "db"})
    refresh = fields.Boolean(load_default=False, metadata={"description": "also return a refresh token"})


class LoginResult(Schema):
    """Tokens returned by a successful login."""

    access_token = fields.String()
    refresh_token = fields.String()


def beijing(moment: dt.datetime) -> dt.datetime:
    """Convert a stored naive-UTC time to Beijing time, rounded up to the minute."""
    local = to_beijing(moment)
    if local.second or local.microsecond:
        local += dt.timedelta(minutes=1)
    return local.replace(second=0, microsecond=0)


def locked_answer(until: dt.datetime | None) -> Response:
    """Answer a login refused because the account is locked (until ``until``, or an administrator)."""
    if until is None:
        return json_error(401, "account_locked", api_message("account_locked_admin"), params={"until": None})
    local = beijing(until)
    message = api_message("account_locked", {"until": local.strftime("%Y-%m-%d %H:%M")})
    return json_error(401, "account_locked", message, params={"until": local.isoformat()})


class RegistrySecurityApi(ApiErrorsMixin, SecurityApi):
    """JWT login and refresh with the registry's error shape and lockout answer."""

    class_permission_name = "SecurityApi"  # keep FAB's permission name
    openapi_spec_component_schemas = (LoginRequest, LoginResult)

    @expose("/login", methods=["POST"])
    @safe
    def login(self) -> Response:
        """Log in with a login name and password; return a JWT access (and refresh) token.
        ---
        post:
          description: >-
            Authenticate with {"username", "password", "provider": "db"}. A locked account answers
            401 with code account_locked and params.until (Beijing time, ISO 8601; null when only an
            administrator or a password reset unlocks it).
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/LoginRequest'}
          responses:
            200:
              description: Authentication successful
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/LoginResult'}
        """
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return api_error(400, "invalid_request", {"fields": sorted(["username", "password", "provider"])})
        try:
            body = LoginRequest().load(data)
        except ValidationError as error:
            return api_error(400, "invalid_request", {"fields": sorted(error.messages)})
        sm = self.appbuilder.sm
        user = sm.auth_user_db(body["username"], body["password"])
        if not user:
            account = sm.find_user(username=body["username"]) or sm.find_user(email=body["username"])
            if account is not None and sm.is_locked(account):
                return locked_answer(sm.lock_ends_at(account))
            return api_error(401, "login_failed")
        tokens = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
        if body["refresh"]:
            tokens[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **tokens)


def install_jwt_errors(jwt_manager: JWTManager) -> None:
    """Answer missing, invalid and expired tokens with 401 in the API's error shape."""
    jwt_manager.unauthorized_loader(lambda _reason: api_error(401, "unauthorized"))
    jwt_manager.invalid_token_loader(lambda _reason: api_error(401, "token_invalid"))
    jwt_manager.expired_token_loader(lambda _header, _data: api_error(401, "token_expired"))
    jwt_manager.needs_fresh_token_loader(lambda _header, _data: api_error(401, "fresh_login_required"))
    jwt_manager.revoked_token_loader(lambda _header, _data: api_error(401, "token_invalid"))
    jwt_manager.user_lookup_error_loader(lambda _header, _data: api_error(401, "token_invalid"))
    jwt_manager.token_verification_failed_loader(lambda _header, _data: api_error(401, "token_invalid"))
