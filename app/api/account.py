"""The logged-in physician's own account in the JSON API (SPEC §2): parse → command → JSON.

Every rule lives in ``app.accounts``; refusals become ``{"code", "message", "params"}`` in
``app.api.account_common.refusals``. The public part (captcha, sign-up, recovery) is in
``app.api.account_public``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import select

from app.accounts import activation, recovery, signup
from app.accounts.progress import latest_registration, next_step
from app.api.account_common import (
    AccountBaseApi,
    ApiRefusal,
    client_ip,
    code_sent,
    institution_out,
    load,
    qualification_out,
    refusals,
)
from app.api.account_public import AccountPublicApi
from app.api.account_schemas import (
    ActivateRequest,
    ChannelRequest,
    ContactChangeRequest,
    ContactConfirmRequest,
    PasswordChangeRequest,
    VerifyRequest,
)
from app.api.limits import hit_targets
from app.domain.enums import AccountStatus
from app.extensions import db
from app.labels import label_of
from app.models import Physician, PracticeRegistration, Qualification

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


class AccountApi(AccountBaseApi):
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
        hit_targets("contact", body["value"])
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
    from app.api.window import MyWindowApi

    appbuilder.add_api(MyWindowApi)
