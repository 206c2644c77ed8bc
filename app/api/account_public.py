"""Public part of the account API (SPEC §2): captcha, sign-up and recovery, no login.

Like the web wizard, sign-up needs a solved captcha and the accepted privacy notice: a client first
POSTs /captcha (picture + token), shows the privacy notice, then sends ``captcha_token``,
``captcha_answer`` and ``consent: true`` with the identity check and again with the sign-up (each
token allows one guess). Requests are limited per target (ID number, mobile, e-mail, login) and, as a
generous ceiling, per client address.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.utils.limit import Limit
from flask_limiter.util import get_remote_address

from app.accounts import recovery, signup
from app.accounts.captcha import captcha_challenge, check_captcha_token
from app.accounts.errors import AccountError
from app.api.account_common import (
    TAG,
    AccountBaseApi,
    client_ip,
    code_sent,
    institution_out,
    load,
    qualification_out,
    refusals,
    too_many_requests,
)
from app.api.account_schemas import (
    AccountCreateRequest,
    IdentityRequest,
    RecoveryRequest,
    RecoveryResetRequest,
)
from app.api.limits import account_api_address_limit, hit_targets
from app.domain.masking import mask_phone

MAX_INSTITUTIONS = 20
API_DESCRIPTION = """Sign-up, verification, activation, recovery and security settings of a physician account.

Sign-up: POST /api/v1/account/captcha (picture and token), show the privacy notice (/signup/privacy),
then POST /api/v1/account/identity and POST /api/v1/account/ (an SMS code is sent), each with
"captcha_token", "captcha_answer" (a new captcha each time: one guess per token) and "consent": true.
Then log in with POST /api/v1/security/login {"username", "password", "provider": "db", "refresh": true},
and send the access token as "Authorization: Bearer <token>" to the protected endpoints (verify,
activate, me, settings).
Every error is {"code": machine code, "message": Chinese text, "params": {...}} (schema Error) with
status 400/401/403/404/409/429; a malformed body is 400 invalid_request with params.fields naming the
bad fields; 429 carries params.seconds and Retry-After. Limits count per ID number, mobile, e-mail
and login name, and per client address only as a generous ceiling."""


def captcha_and_consent(body: dict[str, Any]) -> None:
    """Refuse a sign-up step without the accepted privacy notice or a solved captcha (one guess)."""
    if body.get("consent") is not True:
        raise AccountError("consent_required")
    if not check_captcha_token(body.get("captcha_token"), body.get("captcha_answer")):
        raise AccountError("captcha_wrong")


class AccountPublicApi(AccountBaseApi):
    """Captcha, sign-up and recovery: no login; POSTs limited per target and per client address."""

    limits = [Limit(account_api_address_limit, key_func=get_remote_address, methods=("POST",),
                    on_breach=too_many_requests)]

    def add_api_spec(self, api_spec) -> None:
        """Add the paths, and the tag explaining the sign-up and JWT login sequence."""
        super().add_api_spec(api_spec)
        api_spec.tag({"name": TAG, "description": API_DESCRIPTION})

    @expose("/captcha", methods=["POST"])
    @safe
    @refusals
    def captcha(self) -> Response:
        """Create a captcha challenge: a PNG picture and the token to send back with the answer.
        ---
        post:
          summary: New captcha (picture and token) for identity, sign-up and recovery
          description: >-
            The token is signed, expires after 5 minutes and allows one guess; the answer is the
            4 characters of the picture (case-insensitive).
          responses:
            200:
              description: A new challenge
              content: {application/json: {schema: {$ref: '#/components/schemas/CaptchaChallenge'}}}
            429: {$ref: '#/components/responses/Refused'}
        """
        return self.response(200, **captcha_challenge())

    @expose("/identity", methods=["POST"])
    @safe
    @refusals
    def identity(self) -> Response:
        """Check a name and ID number against the qualification records (sign-up step 1).
        ---
        post:
          summary: Check the identity (sign-up step 1)
          description: >-
            Captcha and consent first, then GB 11643 check, qualification match, one account per
            ID, account opening date.
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
        captcha_and_consent(body)
        hit_targets("identity", body["id_number"])
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
            Captcha and consent again (the consent is stored with the notice version), then creates
            the login and the physician profile and sends a 6-digit code by SMS. Then log in with
            POST /api/v1/security/login {"username", "password", "provider": "db"} and call
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
        body = load(AccountCreateRequest)
        captcha_and_consent(body)
        hit_targets("create", body["id_number"], body["phone"], body["email"], body["username"])
        fields = {name: body[name] for name in (
            "name", "id_number", "phone", "email", "username", "password", "password2", "institution_id")}
        physician = signup.create_account(**fields, ip=client_ip(),
                                          consent_version=current_app.config["PRIVACY_NOTICE_VERSION"])
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
        """Send a password recovery code to the verified phone or e-mail (captcha required).
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
        if not check_captcha_token(body["captcha_token"], body["captcha_answer"]):
            raise AccountError("captcha_wrong")
        hit_targets("recovery", body["login"])
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
        hit_targets("recovery-reset", body["login"])
        recovery.reset_password(body["login"], body["channel"], body["code"], body["password"],
                                body["password2"], ip=client_ip())
        return self.response(200, ok=True)
