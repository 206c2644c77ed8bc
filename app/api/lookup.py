"""The public register lookup in the JSON API (SPEC §7): the same terms, captcha, limit and errors as the page.

A client first POSTs /api/v1/public/captcha (picture + signed single-use token, as the account
API's sign-up does), then POSTs /api/v1/public/lookup with the three exact terms, the token and the
answer. The quota per client address is the page's quota (one counter for both).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.utils.limit import Limit
from flask_limiter.util import get_remote_address
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from app.accounts.captcha import captcha_challenge, check_captcha_token
from app.api.account_common import too_many_requests
from app.api.account_schemas import CaptchaChallenge
from app.api.base import ERROR_RESPONSES, RegistryApi
from app.api.limits import account_api_address_limit
from app.errors import api_error, json_error
from app.extensions import db
from app.lookup import service
from app.lookup.errors import LookupRefusal
from app.lookup.search import PublicRegistration, institution_suggestions, is_province

TAG = "Public lookup"
API_DESCRIPTION = """医师执业注册信息查询, no login. POST /api/v1/public/captcha for a picture and its token, then
POST /api/v1/public/lookup {"province": "110000", "name", "institution", "captcha_token", "captcha_answer"}:
province code, the physician's exact full name and the institution's exact full name (GET
/api/v1/public/institutions suggests names). Exact matches only; the answer lists every registration of
that name at that institution (primary or filed) with name, level, category, scopes, location, primary
institution, active filings, certificate number and status, nothing more. Lookups are limited per client
address, one quota shared with the web page (/lookup/): 429 lookup_limited with params.seconds, params.time
and Retry-After. No match is 404 lookup_no_match; missing or unknown terms are 400 with params.field."""


class LookupRequest(Schema):
    class Meta:
        unknown = EXCLUDE

    province = fields.String(required=True, metadata={"description": "GB/T 2260 province code, e.g. 110000"})
    name = fields.String(required=True, metadata={"description": "the physician's full name, exact"})
    institution = fields.String(required=True, metadata={"description": "the institution's full name, exact"})
    captcha_token = fields.String(required=True, metadata={"description": "token from POST /api/v1/public/captcha"})
    captcha_answer = fields.String(required=True, metadata={"description": "the 4 characters of its picture"})


class PublicFilingOut(Schema):
    institution = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    scopes = fields.List(fields.String())


class PublicRegistrationOut(Schema):
    name = fields.String()
    level = fields.String()
    level_label = fields.String()
    category = fields.String()
    category_label = fields.String()
    scopes = fields.List(fields.String())
    location = fields.String()
    institution = fields.String(metadata={"description": "primary institution"})
    filings = fields.List(fields.Nested(PublicFilingOut), metadata={"description": "active multi-site filings"})
    certificate_no = fields.String(metadata={"description": "执业证书编码"})
    status = fields.String(metadata={"enum": ["active", "suspended", "cancelled"]})
    status_label = fields.String(metadata={"description": "有效 / 暂停执业至 … / 已注销"})
    suspended_until = fields.Date(allow_none=True)


class LookupResult(Schema):
    count = fields.Integer()
    result = fields.List(fields.Nested(PublicRegistrationOut))


class InstitutionNames(Schema):
    result = fields.List(fields.String())


def registration_out(record: PublicRegistration) -> dict[str, Any]:
    """Describe one match with exactly the public fields."""
    return {
        "name": record.name, "level": record.level, "level_label": record.level_label,
        "category": record.category, "category_label": record.category_label, "scopes": list(record.scopes),
        "location": record.location, "institution": record.institution,
        "filings": [{"institution": f.institution, "valid_from": f.valid_from.isoformat(),
                     "valid_to": f.valid_to.isoformat(), "scopes": list(f.scopes)} for f in record.filings],
        "certificate_no": record.certificate_no, "status": record.status, "status_label": record.status_label,
        "suspended_until": record.suspended_until.isoformat() if record.suspended_until else None,
    }


def refusal_answer(refusal: LookupRefusal) -> Response:
    """Answer a refused lookup in the one error shape (429 with Retry-After)."""
    params = dict(refusal.params)
    if refusal.field:
        params["field"] = refusal.field
    headers = {"Retry-After": str(params["seconds"])} if "seconds" in params else None
    return json_error(refusal.status, refusal.code, refusal.message, params=params, headers=headers)


def lookup_refusals(f: Callable[..., Response]) -> Callable[..., Response]:
    """Map lookup refusals and malformed bodies to JSON errors."""

    @functools.wraps(f)
    def wrapper(self, *args: Any, **kwargs: Any) -> Response:
        try:
            return f(self, *args, **kwargs)
        except LookupRefusal as refusal:
            return refusal_answer(refusal)
        except ValidationError as error:
            return api_error(400, "invalid_request", {"fields": sorted(error.messages)})

    return wrapper


class PublicLookupApi(RegistryApi):
    """The public lookup without login: captcha, institution names, the lookup itself."""

    resource_name = "public"
    openapi_spec_tag = TAG
    openapi_spec_component_schemas = (LookupRequest, LookupResult, PublicRegistrationOut, PublicFilingOut,
                                      InstitutionNames, CaptchaChallenge)
    responses = {**ERROR_RESPONSES, "Refused": {**ERROR_RESPONSES["400"],
                                                "description": "Refused (code, Chinese message, params)"}}
    limits = [Limit(account_api_address_limit, key_func=get_remote_address, methods=("POST",),
                    on_breach=too_many_requests)]

    def add_api_spec(self, api_spec) -> None:
        """Add the paths, and the tag explaining the lookup sequence."""
        super().add_api_spec(api_spec)
        api_spec.tag({"name": TAG, "description": API_DESCRIPTION})

    @expose("/captcha", methods=["POST"])
    @safe
    def captcha(self) -> Response:
        """Create a captcha challenge for one lookup.
        ---
        post:
          summary: New captcha (picture and token) for the public lookup
          description: The token is signed, expires after 5 minutes and allows one guess.
          responses:
            200:
              description: A new challenge
              content: {application/json: {schema: {$ref: '#/components/schemas/CaptchaChallenge'}}}
            429: {$ref: '#/components/responses/Refused'}
        """
        return self.response(200, **captcha_challenge())

    @expose("/institutions", methods=["GET"])
    @safe
    def institutions(self) -> Response:
        """Suggest up to 20 institution names of a province containing ``q``.
        ---
        get:
          summary: Institution names of a province (to enter the exact name)
          parameters:
          - {in: query, name: province, required: true, schema: {type: string}, description: province code}
          - {in: query, name: q, required: true, schema: {type: string}, description: part of the name}
          responses:
            200:
              description: Up to 20 names
              content: {application/json: {schema: {$ref: '#/components/schemas/InstitutionNames'}}}
        """
        province = request.args.get("province", "")
        if not is_province(db.session, province):
            return self.response(200, result=[])
        return self.response(200, result=institution_suggestions(db.session, province, request.args.get("q", "")))

    @expose("/lookup", methods=["POST"])
    @safe
    @lookup_refusals
    def lookup(self) -> Response:
        """Look up the practice registrations of a physician by province, exact name and exact institution.
        ---
        post:
          summary: 医师执业注册信息查询 (exact match, captcha, limited per client)
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: '#/components/schemas/LookupRequest'}}}
          responses:
            200:
              description: Every matching registration, public fields only
              content: {application/json: {schema: {$ref: '#/components/schemas/LookupResult'}}}
            400: {$ref: '#/components/responses/Refused'}
            404: {$ref: '#/components/responses/Refused'}
            429: {$ref: '#/components/responses/Refused'}
        """
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return api_error(400, "invalid_request", {"fields": sorted(
                name for name, field in LookupRequest().fields.items() if field.required)})
        body = LookupRequest().load(data)
        query, errors = service.read_query(body, db.session)
        if errors:
            return json_error(400, errors[0].code, "".join(e.message for e in errors),
                              params={"fields": [e.field for e in errors]})
        found = service.lookup(db.session, query, get_remote_address(),
                       lambda: check_captcha_token(body["captcha_token"], body["captcha_answer"]))
        return self.response(200, count=len(found), result=[registration_out(r) for r in found])
