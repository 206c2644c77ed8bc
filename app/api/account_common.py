"""Shared pieces of the account API: body parsing, refusals as JSON errors, limits and output shapes.

Every rule lives in ``app.accounts``; the endpoints only read the JSON body, call the command and
map its refusal to ``{"code", "message", "params"}`` with the command's HTTP status (``refusals``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from marshmallow import Schema, ValidationError

from app.accounts.errors import AccountError
from app.api.account_schemas import RESPONSES, SCHEMAS
from app.api.base import RegistryApi
from app.api.limits import RateLimited
from app.domain.enums import Category, Channel, PracticeLevel
from app.domain.masking import mask_email, mask_phone
from app.errors import api_error, json_error
from app.extensions import db
from app.labels import label_of
from app.models import Institution, Qualification

TAG = "Account"
API_MESSAGES = {
    "not_physician": _l("This login has no physician account."),
}


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


def rate_limited(seconds: int) -> Response:
    """Answer an exhausted limit: 429 with the seconds to wait (body and Retry-After)."""
    return api_error(429, "rate_limited", {"seconds": seconds}, headers={"Retry-After": str(seconds)})


def refusals(f: Callable[..., Response]) -> Callable[..., Response]:
    """Map AccountError, malformed input and exhausted limits to JSON errors, discarding any half-made change."""

    @functools.wraps(f)
    def wrapper(self: BaseApi, *args: Any, **kwargs: Any) -> Response:
        try:
            return f(self, *args, **kwargs)
        except AccountError as error:  # the command has rolled back already
            headers = {"Retry-After": str(error.params["seconds"])} if "seconds" in error.params else None
            return json_error(error.status, error.code, error.message, params=error.params, headers=headers)
        except InvalidRequest as error:
            db.session.rollback()
            return api_error(400, "invalid_request", {"fields": error.fields})
        except ApiRefusal as error:
            db.session.rollback()
            return json_error(error.status, error.code, str(API_MESSAGES[error.code]))
        except RateLimited as error:
            db.session.rollback()
            return rate_limited(error.seconds)

    return wrapper


def too_many_requests(limit: RequestLimit) -> Response:
    """Answer a breached per-address ceiling with the same JSON shape."""
    return rate_limited(max(1, int(limit.reset_at - time.time())))


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


def code_sent(channel: str, phone: str | None, email: str | None) -> dict[str, str]:
    """Describe where a code went, masked."""
    return {"channel": channel, "sent_to": mask_phone(phone) if channel == Channel.SMS else mask_email(email)}


class AccountBaseApi(RegistryApi):
    """The base of both account APIs: one resource, one tag, the shared schemas and responses."""

    resource_name = "account"
    openapi_spec_tag = TAG
    openapi_spec_component_schemas = SCHEMAS
    responses = RESPONSES
