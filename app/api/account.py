"""JSON API of the physician's account (SPEC §2) for the mobile client: parse → command → JSON.

Every rule lives in ``app.accounts``; this module only reads the JSON body, calls the command and
maps its refusal to ``{"code", "message", "params"}`` with the command's HTTP status (one place:
``refusals``). Public endpoints (sign-up, recovery) are rate-limited per client IP through the
security manager's Flask-Limiter, whose storage (RATELIMIT_STORAGE_URI) is shared by all workers.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.utils.limit import Limit
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from app.accounts import activation, recovery, signup
from app.accounts.errors import AccountError
from app.accounts.progress import latest_registration, next_step
from app.api.account_schemas import (
    RESPONSES,
    SCHEMAS,
    AccountCreateRequest,
    ActivateRequest,
    ChannelRequest,
    ContactChangeRequest,
    ContactConfirmRequest,
    IdentityRequest,
    PasswordChangeRequest,
    RecoveryRequest,
    RecoveryResetRequest,
    VerifyRequest,
)
from app.domain.enums import AccountStatus, Category, Channel, PracticeLevel
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.labels import label_of
from app.models import Institution, Physician, PracticeRegistration, Qualification

TAG = "Account"
PUBLIC_RATE_LIMIT = "20 per hour"
MAX_INSTITUTIONS = 20
API_MESSAGES = {
    "invalid_request": _l("The request is malformed or misses required fields."),
    "not_physician": _l("This login has no physician account."),
    "rate_limited": _l("Too many requests from this address. Please try again later."),
}
API_DESCRIPTION = """Sign-up, verification, activation, recovery and security settings of a physician account.

Sign-up: POST /api/v1/account/identity, then POST /api/v1/account/ (an SMS code is sent). Then log in
with Flask-AppBuilder's JWT login, POST /api/v1/security/login with
{"username", "password", "provider": "db", "refresh": true}, and send the access token as
"Authorization: Bearer <token>" to the protected endpoints (verify, activate, me, settings).
Every refusal is {"code": machine code, "message": Chinese text, "params": {...}} with status
400/403/409/429; a malformed body is 400 {"code": "invalid_request", "message", "fields": [...]}."""


# --- schemas (OpenAPI documentation and request validation) ------------------------------------------


class InvalidRequest(Exception):
    """The body is not a JSON object or misses / mistypes fields."""

    def __init__(self, bad_fields: list[str]) -> None:
        super().__init__(", ".join(bad_fields))
        self.fields = bad_fields


class ApiRefusal(Exception):
    """A refusal of the API layer itself (no command involved)."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code, self.status = code, status


def refused(code: str, message: str, status: int, **extra: Any) -> Response:
    """Return the JSON error body every refusal of this API uses."""
    response = jsonify(code=code, message=message, **extra)
    response.status_code = status
    return response


def refusals(f: Callable[..., Response]) -> Callable[..., Response]:
    """Map AccountError / malformed input to JSON errors, discarding any half-made change."""

    @functools.wraps(f)
    def wrapper(self: BaseApi, *args: Any, **kwargs: Any) -> Response:
        try:
            return f(self, *args, **kwargs)
        except AccountError as error:  # the command has rolled back already
            response = refused(error.code, error.message, error.status, params=error.params)
            if "seconds" in error.params:
                response.headers["Retry-After"] = str(error.params["seconds"])
            return response
        except InvalidRequest as error:
            db.session.rollback()
            return refused("invalid_request", str(API_MESSAGES["invalid_request"]), 400, fields=error.fields)
        except ApiRefusal as error:
            db.session.rollback()
            return refused(error.code, str(API_MESSAGES[error.code]), error.status, params={})

    return wrapper


def too_many_requests(limit: RequestLimit) -> Response:
    """Answer a breached per-IP limit with the same JSON shape."""
    seconds = max(1, int(limit.reset_at - time.time()))
    response = refused("rate_limited", str(API_MESSAGES["rate_limited"]), 429, params={"seconds": seconds})
    response.headers["Retry-After"] = str(seconds)
    return response


def public_rate_limit() -> str:
    """Return the per-IP limit of the public POST endpoints (ACCOUNT_API_RATE_LIMIT)."""
    return current_app.config.get("ACCOUNT_API_RATE_LIMIT", PUBLIC_RATE_LIMIT)


def load(schema: type[Schema]) -> dict[str, Any]:
    """Read the JSON body through ``schema`` or raise InvalidRequest naming the bad fields."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidRequest(sorted(name for name, field in schema().fields.items() if field.required))
    try:
        return schema().load(data)
    except ValidationError as error:
        raise InvalidRequest(sorted(error.messages)) from None


def client_ip() -> str | None:
    """Return the client address recorded in the security log."""
    return request.remote_addr


def qualification_out(q: Qualification) -> dict[str, Any]:
    """Describe a qualification without its certificate number (it embeds the ID number)."""
    return {
        "level": q.level, "level_label": label_of(PracticeLevel, q.level),
        "category": q.category, "category_label": label_of(Category, q.category), "exam_year": q.exam_year,
    }


def institution_out(institution: Institution) -> dict[str, Any]:
    """Describe an institution as the sign-up list shows it."""
    return {
        "id": institution.id, "name": institution.name, "region_code": institution.region_code,
        "region": institution.region.name if institution.region else "",
    }


class _AccountBase(BaseApi):
    resource_name = "account"
    openapi_spec_tag = TAG
    openapi_spec_component_schemas = SCHEMAS
    responses = RESPONSES


# --- public endpoints ------------------------------------------------------------------------------


class AccountPublicApi(_AccountBase):
    """Sign-up and recovery: no login; POSTs limited per client IP."""

    limits = [Limit(public_rate_limit, key_func=get_remote_address, methods=("POST",), on_breach=too_many_requests)]

    def add_api_spec(self, api_spec) -> None:
        """Add the paths, and the tag explaining the sign-up and JWT login sequence."""
        super().add_api_spec(api_spec)
        api_spec.tag({"name": TAG, "description": API_DESCRIPTION})

    @expose("/identity", methods=["POST"])
    @safe
    @refusals
    def identity(self) -> Response:
        """Check a name and ID number against the qualification records (sign-up step 1).
        ---
        post:
          summary: Check the identity (sign-up step 1)
          description: GB 11643 check, qualification match, one account per ID, account opening date.
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/IdentityRequest'}}}
          responses:
            200:
              description: The person may create an account
              content: {application/json: {schema: {$ref: '#/components/schemas/IdentityResult'}}}
            400: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        body = load(IdentityRequest)
        found = signup.check_identity(body["name"], body["id_number"])
        return self.response(
            200, ok=True, opens_on=found.opens_on.isoformat(),
            qualifications=[qualification_out(q) for q in found.qualifications],
        )

    @expose("/", methods=["POST"])
    @safe
    @refusals
    def create(self) -> Response:
        """Create the account and send the SMS code (sign-up step 2).
        ---
        post:
          summary: Create the account (sign-up step 2)
          description: >-
            Creates the login and the physician profile and sends a 6-digit code by SMS. Then log in
            with POST /api/v1/security/login {"username", "password", "provider": "db"} and call
            POST /api/v1/account/verify with the JWT access token.
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/AccountCreateRequest'}}}
          responses:
            201:
              description: Account created, SMS code sent
              content: {application/json: {schema: {$ref: '#/components/schemas/AccountCreated'}}}
            400: {$ref: '#/components/responses/Refused'}
            409: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        physician = signup.create_account(**load(AccountCreateRequest), ip=client_ip())
        return self.response(201, physician_id=physician.id, status=physician.status,
                             code_sent_to=mask_phone(physician.phone))

    @expose("/institutions", methods=["GET"])
    @safe
    @refusals
    def institutions(self) -> Response:
        """List up to 20 selectable (non-military) institutions whose name contains ``q``.
        ---
        get:
          summary: Search the institutions a physician may choose
          parameters:
          - in: query
            name: q
            schema: {type: string}
            description: part of the institution name
          responses:
            200:
              description: Up to 20 institutions, military and armed-police hospitals excluded
              content: {application/json: {schema: {$ref: '#/components/schemas/InstitutionOptions'}}}
        """
        rows = signup.selectable_institutions(request.args.get("q") or "", MAX_INSTITUTIONS)
        return self.response(200, result=[institution_out(i) for i in rows],
                             notice=AccountError("institution_military").message)

    @expose("/recovery", methods=["POST"])
    @safe
    @refusals
    def recovery(self) -> Response:
        """Send a password recovery code to the verified phone or e-mail.
        ---
        post:
          summary: Start password recovery
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/RecoveryRequest'}}}
          responses:
            200:
              description: Code sent
              content: {application/json: {schema: {$ref: '#/components/schemas/CodeSent'}}}
            400: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        body = load(RecoveryRequest)
        physician = recovery.start_recovery(body["login"], body["channel"], ip=client_ip())
        return self.response(200, **code_sent(body["channel"], physician.phone, physician.email))

    @expose("/recovery/reset", methods=["POST"])
    @safe
    @refusals
    def recovery_reset(self) -> Response:
        """Set a new password with the recovery code.
        ---
        post:
          summary: Reset the password with the recovery code
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/RecoveryResetRequest'}}}
          responses:
            200:
              description: Password changed
              content: {application/json: {schema: {$ref: '#/components/schemas/Done'}}}
            400: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        body = load(RecoveryResetRequest)
        recovery.reset_password(body["login"], body["channel"], body["code"], body["password"],
                                body["password2"], ip=client_ip())
        return self.response(200, ok=True)


def code_sent(channel: str, phone: str | None, email: str | None) -> dict[str, str]:
    """Describe where a code went, masked."""
    return {"channel": channel, "sent_to": mask_phone(phone) if channel == Channel.SMS else mask_email(email)}


# --- the physician's own account (JWT) ------------------------------------------------------------


def current_physician() -> Physician:
    """Return the physician profile of the logged-in user, or refuse."""
    physician = db.session.scalar(select(Physician).where(Physician.user_id == g.user.id))
    if physician is None:
        raise ApiRefusal("not_physician", 403)
    return physician


def registration_out(r: PracticeRegistration) -> dict[str, Any]:
    """Describe the physician's own practice registration."""
    return {
        "certificate_no": r.certificate_no, "level": r.level, "category": r.category,
        "location_code": r.location_code, "location": r.location.name if r.location else "",
        "institution": r.institution.name if r.institution else "", "scopes": [s.name for s in r.scopes],
        "status": r.status, "registered_on": r.registered_on.isoformat(),
        "suspended_until": r.suspended_until.isoformat() if r.suspended_until else None,
    }


def state(physician: Physician) -> dict[str, Any]:
    """Return the account status and next step after a change."""
    return {"status": physician.status, "next_step": next_step(physician, latest_registration(physician))}


class AccountApi(_AccountBase):
    """The logged-in physician's own account: verification, activation, profile, settings."""

    method_permission_name = {
        name: "self_service"
        for name in ("send_code", "verify", "activate", "me", "password", "contact", "contact_confirm")
    }

    @expose("/code", methods=["POST"])
    @protect()
    @safe
    @refusals
    def send_code(self) -> Response:
        """Send (again) the sign-up code by SMS, or by e-mail as the fallback.
        ---
        post:
          summary: Send or resend the sign-up code (60 s cooldown, hourly cap)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ChannelRequest'}}}
          responses:
            200:
              description: Code sent
              content: {application/json: {schema: {$ref: '#/components/schemas/CodeSent'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
            429: {$ref: '#/components/responses/Refused'}
        """
        channel = load(ChannelRequest)["channel"]
        physician = current_physician()
        signup.send_signup_code(physician, channel)
        return self.response(200, **code_sent(channel, physician.phone, physician.email))

    @expose("/verify", methods=["POST"])
    @protect()
    @safe
    @refusals
    def verify(self) -> Response:
        """Verify the phone (or e-mail) with the sign-up code (sign-up step 3).
        ---
        post:
          summary: Verify the sign-up code; auto-activating institutions activate at once
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/VerifyRequest'}}}
          responses:
            200:
              description: Verified (status verified, or active with 自动激活)
              content: {application/json: {schema: {$ref: '#/components/schemas/AccountState'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
        """
        body = load(VerifyRequest)
        physician = signup.verify_signup(current_physician(), body["channel"], body["code"], ip=client_ip())
        return self.response(200, **state(physician))

    @expose("/activate", methods=["POST"])
    @protect()
    @safe
    @refusals
    def activate(self) -> Response:
        """Activate the account with the institution's code (sign-up step 4).
        ---
        post:
          summary: Enter the activation code issued by the institution
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ActivateRequest'}}}
          responses:
            200:
              description: Account active
              content: {application/json: {schema: {$ref: '#/components/schemas/AccountState'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
        """
        code = load(ActivateRequest)["code"]
        physician = activation.activate(current_physician(), code, ip=client_ip())
        return self.response(200, **state(physician))

    @expose("/me", methods=["GET"])
    @protect()
    @safe
    @refusals
    def me(self) -> Response:
        """Return the physician's own profile and next step.
        ---
        get:
          summary: Own profile (个人中心)
          responses:
            200:
              description: The profile, ID number and phone masked
              content: {application/json: {schema: {$ref: '#/components/schemas/Profile'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
        """
        physician = current_physician()
        registration = latest_registration(physician)
        qualifications = db.session.scalars(
            select(Qualification).where(Qualification.id_number == physician.id_number,
                                        Qualification.id_type == physician.id_type)
            .order_by(Qualification.exam_year)
        )
        return self.response(
            200, name=physician.name, username=g.user.username, status=physician.status,
            status_label=label_of(AccountStatus, physician.status),
            id_number_masked=physician.id_number_masked, phone_masked=physician.phone_masked,
            email=physician.email, phone_verified=physician.phone_verified,
            email_verified=physician.email_verified,
            institution=institution_out(physician.institution) if physician.institution else None,
            qualifications=[qualification_out(q) for q in qualifications],
            registration=registration_out(registration) if registration else None,
            next_step=next_step(physician, registration),
        )

    @expose("/password", methods=["POST"])
    @protect()
    @safe
    @refusals
    def password(self) -> Response:
        """Change the password; the current one is required.
        ---
        post:
          summary: Change the password
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/PasswordChangeRequest'}}}
          responses:
            200:
              description: Password changed
              content: {application/json: {schema: {$ref: '#/components/schemas/Done'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
        """
        body = load(PasswordChangeRequest)
        recovery.change_password(current_physician(), body["old"], body["password"], body["password2"],
                                 ip=client_ip())
        return self.response(200, ok=True)

    @expose("/contact", methods=["POST"])
    @protect()
    @safe
    @refusals
    def contact(self) -> Response:
        """Send a code to a new mobile number or e-mail address.
        ---
        post:
          summary: Start changing the phone or e-mail (code to the new target)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ContactChangeRequest'}}}
          responses:
            200:
              description: Code sent to the new target
              content: {application/json: {schema: {$ref: '#/components/schemas/CodeSent'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
            409: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        body = load(ContactChangeRequest)
        target = recovery.start_contact_change(current_physician(), body["channel"], body["value"], ip=client_ip())
        return self.response(200, **code_sent(body["channel"], target, target))

    @expose("/contact/confirm", methods=["POST"])
    @protect()
    @safe
    @refusals
    def contact_confirm(self) -> Response:
        """Switch to the new phone or e-mail with the code sent to it.
        ---
        post:
          summary: Confirm the new phone or e-mail
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/ContactConfirmRequest'}}}
          responses:
            200:
              description: Contact changed and verified
              content: {application/json: {schema: {$ref: '#/components/schemas/Done'}}}
            400: {$ref: '#/components/responses/Refused'}
            401: {$ref: '#/components/responses/401'}
            409: {$ref: '#/components/responses/Refused'}
        """
        body = load(ContactConfirmRequest)
        recovery.confirm_contact_change(current_physician(), body["channel"], body["value"], body["code"],
                                        ip=client_ip())
        return self.response(200, ok=True)


def register_account_apis(appbuilder) -> None:
    """Add the account APIs (public sign-up/recovery and the physician's own account)."""
    appbuilder.add_api(AccountPublicApi)
    appbuilder.add_api(AccountApi)
