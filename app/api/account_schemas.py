"""Request and response schemas of the account API (they validate input and document the OpenAPI spec)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from app.api.base import ERROR_RESPONSES
from app.domain.enums import AccountStatus, Category, Channel, PracticeLevel, RegistrationStatus


class _Request(Schema):
    class Meta:
        unknown = EXCLUDE


CHANNEL = fields.String(required=True, validate=validate.OneOf([c.value for c in Channel]))


class _Captcha(_Request):
    captcha_token = fields.String(required=True, metadata={"description": "token from POST /captcha"})
    captcha_answer = fields.String(required=True, metadata={"description": "the 4 characters of its picture"})


class _CaptchaConsent(_Captcha):
    consent = fields.Boolean(required=True, metadata={
        "description": "true: the person accepted the privacy notice (/signup/privacy); stored with its version"})


class CaptchaChallenge(Schema):
    token = fields.String(metadata={"description": "signed, single-use, expires after expires_in seconds"})
    image = fields.String(metadata={"description": "the picture, base64-encoded PNG"})
    media_type = fields.String(metadata={"example": "image/png"})
    expires_in = fields.Integer()


class IdentityRequest(_CaptchaConsent):
    name = fields.String(required=True, metadata={"description": "姓名, as on the ID card"})
    id_number = fields.String(required=True, metadata={"description": "18-character resident ID number"})


class QualificationOut(Schema):
    level = fields.String(metadata={"enum": [v.value for v in PracticeLevel]})
    level_label = fields.String()
    category = fields.String(metadata={"enum": [v.value for v in Category]})
    category_label = fields.String()
    exam_year = fields.Integer()


class IdentityResult(Schema):
    ok = fields.Boolean()
    opens_on = fields.Date()
    qualifications = fields.List(fields.Nested(QualificationOut))


class AccountCreateRequest(_CaptchaConsent):
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "mainland mobile, 11 digits"})
    email = fields.String(required=True)
    username = fields.String(required=True, metadata={"description": "login name (not the ID number)"})
    password = fields.String(required=True)
    password2 = fields.String(required=True)
    institution_id = fields.Integer(required=True, metadata={"description": "from GET /institutions"})


class AccountCreated(Schema):
    physician_id = fields.Integer()
    status = fields.String(metadata={"enum": [v.value for v in AccountStatus]})
    code_sent_to = fields.String(metadata={"description": "masked mobile number"})


class InstitutionOption(Schema):
    id = fields.Integer()
    name = fields.String()
    region_code = fields.String()
    region = fields.String()


class InstitutionOptions(Schema):
    result = fields.List(fields.Nested(InstitutionOption))
    notice = fields.String(metadata={"description": "why military hospitals are not listed"})


class ChannelRequest(_Request):
    channel = CHANNEL


class VerifyRequest(_Request):
    channel = CHANNEL
    code = fields.String(required=True)


class ActivateRequest(_Request):
    code = fields.String(required=True)


class CodeSent(Schema):
    channel = fields.String()
    sent_to = fields.String(metadata={"description": "masked target"})


class AccountState(Schema):
    status = fields.String(metadata={"enum": [v.value for v in AccountStatus]})
    next_step = fields.String(allow_none=True)


class RegistrationOut(Schema):
    certificate_no = fields.String()
    level = fields.String()
    category = fields.String()
    location_code = fields.String()
    location = fields.String()
    institution = fields.String()
    scopes = fields.List(fields.String())
    status = fields.String(metadata={"enum": [v.value for v in RegistrationStatus]})
    registered_on = fields.Date()
    suspended_until = fields.Date(allow_none=True)


class Profile(Schema):
    name = fields.String()
    username = fields.String()
    status = fields.String(metadata={"enum": [v.value for v in AccountStatus]})
    status_label = fields.String()
    id_number_masked = fields.String()
    phone_masked = fields.String()
    email = fields.String()
    phone_verified = fields.Boolean()
    email_verified = fields.Boolean()
    institution = fields.Nested(InstitutionOption, allow_none=True)
    qualifications = fields.List(fields.Nested(QualificationOut))
    registration = fields.Nested(RegistrationOut, allow_none=True)
    next_step = fields.String(
        allow_none=True,
        metadata={"enum": ["verify_contact", "await_activation", "first_registration", "contact_institution"]},
    )


class PasswordChangeRequest(_Request):
    old = fields.String(required=True)
    password = fields.String(required=True)
    password2 = fields.String(required=True)


class ContactChangeRequest(_Request):
    channel = CHANNEL
    value = fields.String(required=True, metadata={"description": "the new mobile number or e-mail"})


class ContactConfirmRequest(ContactChangeRequest):
    code = fields.String(required=True)


class RecoveryRequest(_Captcha):
    login = fields.String(required=True, metadata={"description": "login name, verified mobile or e-mail"})
    channel = CHANNEL


class RecoveryResetRequest(_Request):
    login = fields.String(required=True, metadata={"description": "as in the recovery request"})
    channel = CHANNEL
    code = fields.String(required=True)
    password = fields.String(required=True)
    password2 = fields.String(required=True)


class Done(Schema):
    ok = fields.Boolean()


SCHEMAS = (
    QualificationOut, InstitutionOption, RegistrationOut, IdentityRequest, IdentityResult,
    AccountCreateRequest, AccountCreated, InstitutionOptions, ChannelRequest, VerifyRequest,
    ActivateRequest, CodeSent, AccountState, Profile, PasswordChangeRequest, ContactChangeRequest,
    ContactConfirmRequest, RecoveryRequest, RecoveryResetRequest, Done, CaptchaChallenge,
)
REFUSED = {**ERROR_RESPONSES["400"], "description": "Refused by a rule (code, Chinese message, params)"}
RESPONSES = {**ERROR_RESPONSES, "Refused": REFUSED}
