"""The base of every API: one error shape ({"code", "message", "params"}) in answers and in the spec.

``ApiErrorsMixin`` replaces Flask-AppBuilder's ``response_4xx/5xx`` helpers (``{"message": ...}`` in
English) by ``app.errors.api_error`` and documents the shared ``Error`` schema. ``RegistryModelRestApi``
adds a check of the rison argument ``q`` before FAB parses it: syntax, filters on integer columns and
paging bounds, so a malformed query is a 400, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import prison
from flask import Response, current_app, request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.hooks import before_request
from marshmallow import Schema, fields

from app.errors import api_error

MAX_PAGE = 100_000
MAX_INT = 2**31 - 1  # PostgreSQL INTEGER: no row can have a larger key


class Error(Schema):
    """The one error body of every API endpoint."""

    code = fields.String(required=True, metadata={
        "description": "machine code, e.g. invalid_request, invalid_query, not_found, account_locked, rate_limited"})
    message = fields.String(required=True, metadata={"description": "translated message for people (Chinese)"})
    params = fields.Dict(required=True, metadata={
        "description": "values of the message: seconds (429), until (account_locked, Beijing time), "
                       "fields (invalid_request), remaining (code_wrong) ..."})


def _error(description: str, headers: dict | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "400": _error("Bad request: invalid_request (params.fields), invalid_query, or a refused command"),
    "401": _error("Not logged in, wrong credentials, token missing, invalid or expired, or account locked"),
    "403": _error("Logged in, but not allowed"),
    "404": _error("No such record or address (or outside the caller's scope)"),
    "405": _error("The address does not accept this HTTP method"),
    "409": _error("Conflict with existing data"),
    "413": _error("The uploaded file is too large (photo_too_large; params.max_mb)"),
    "422": _error("The data cannot be processed"),
    "429": _error("Too many requests: wait params.seconds (also in Retry-After)", RETRY_AFTER),
    "500": _error("Unexpected server error (nothing was changed)"),
}


def _fields(messages: Any) -> list[str]:
    """Return the field names of a marshmallow error dict (or nothing)."""
    return sorted(str(name) for name in messages) if isinstance(messages, dict) else []


class ApiErrorsMixin:
    """Answer every FAB error helper with ``{"code", "message", "params"}`` and document it."""

    responses = ERROR_RESPONSES

    def response_400(self, message: Any = None) -> Response:
        """Answer a malformed request; marshmallow errors name the bad fields."""
        names = _fields(message)
        if names:
            return api_error(400, "invalid_request", {"fields": names})
        return api_error(400, "bad_request")

    def response_401(self) -> Response:
        """Answer a request without (valid) credentials."""
        return api_error(401, "unauthorized")

    def response_403(self) -> Response:
        """Answer a request the caller may not make."""
        return api_error(403, "forbidden")

    def response_404(self) -> Response:
        """Answer a missing (or out-of-scope) record."""
        return api_error(404, "not_found")

    def response_405(self) -> Response:
        """Answer a method the endpoint does not accept."""
        return api_error(405, "method_not_allowed")

    def response_422(self, message: Any = None) -> Response:
        """Answer data that cannot be processed."""
        names = _fields(message)
        return api_error(422, "unprocessable", {"fields": names} if names else None)

    def response_500(self, message: Any = None) -> Response:
        """Answer an unexpected failure without internals."""
        return api_error(500, "server_error")

    def add_apispec_components(self, api_spec) -> None:
        """Add FAB's components, then the shared Error schema."""
        super().add_apispec_components(api_spec)  # type: ignore[misc]
        if "Error" not in api_spec.components.schemas:
            api_spec.components.schema("Error", schema=Error)


class RegistryApi(ApiErrorsMixin, BaseApi):
    """A non-model API of the registry."""


def _parse_rison(value: str) -> Any:
    """Parse ``q`` as FAB does (rison, then JSON); raise ValueError when it is neither."""
    try:
        return prison.loads(value)
    except Exception:  # noqa: BLE001 - prison raises RecursionError, TypeError... on garbage
        pass
    try:
        return json.loads(value)
    except Exception as error:  # noqa: BLE001
        raise ValueError("not rison or JSON") from error


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


class RegistryModelRestApi(ApiErrorsMixin, ModelRestApi):
    """A model API whose ``q`` argument is checked before FAB reads it; filters only on listed columns."""

    def __init__(self) -> None:
        if not self.search_columns:  # FAB's default is every column, JSON documents included
            searchable = set(self.datamodel.get_search_columns_list())
            self.search_columns = [c for c in self.list_columns or [] if c in searchable]
        super().__init__()

    @before_request(only=["get", "get_list"])
    def check_query_argument(self) -> Response | None:
        """Refuse a malformed ``q`` (syntax, paging, integer filters) with 400 invalid_query."""
        value = request.args.get("q")
        if not value:
            return None
        try:
            args = _parse_rison(value)
        except (ValueError, RecursionError):
            return api_error(400, "invalid_query")
        if not isinstance(args, dict) or not self._query_is_sane(args):
            return api_error(400, "invalid_query")
        return None

    def _query_is_sane(self, args: dict) -> bool:
        """Tell whether paging is in range and every integer filter value could match a row."""
        maximum = self.max_page_size or current_app.config.get("FAB_API_MAX_PAGE_SIZE") or 100
        if "page" in args and not _is_int(args["page"], 0, MAX_PAGE):
            return False
        if "page_size" in args and not _is_int(args["page_size"], 1, maximum):
            return False
        filters = args.get("filters", [])
        if not isinstance(filters, list):
            return False
        for item in filters:
            if not isinstance(item, dict):
                return False
            if not self._value_fits(item.get("col"), item.get("value")):
                return False
        return True

    def _value_fits(self, column: object, value: Any) -> bool:
        """Tell whether a filter value has a type the column can compare with (unknown columns: FAB decides)."""
        if not isinstance(column, str):
            return True
        datamodel = self.datamodel
        if datamodel.is_json(column):
            return False
        if datamodel.is_integer(column) or datamodel.is_relation(column):
            return _int_like(value)
        if datamodel.is_string(column) or datamodel.is_text(column):
            return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if datamodel.is_boolean(column):  # PostgreSQL refuses anything but a boolean's spellings
            return isinstance(value, bool) or str(value).strip().lower() in BOOLEAN_SPELLINGS
        return not isinstance(value, (int, float)) or isinstance(value, bool) or _is_int(value, -MAX_INT, MAX_INT)


BOOLEAN_SPELLINGS = {"true", "false", "t", "f", "1", "0", "yes", "no", "y", "n", "on", "off"}


def _int_like(value: Any) -> bool:
    """Tell whether a filter value is an integer (or a list of them) in the INTEGER range."""
    if isinstance(value, list):
        return all(_int_like(v) for v in value)
    if isinstance(value, str):
        text = value.strip()
        return text.isascii() and text.lstrip("-").isdigit() and len(text) <= 11 and -MAX_INT <= int(text) <= MAX_INT
    return _is_int(value, -MAX_INT, MAX_INT)
