"""The OpenAPI document (/api/v1/_openapi) with every error answer of every operation documented.

FAB's OpenApi view is replaced (FAB_ADD_OPENAPI_VIEWS = False) by a subclass of the same name, so
its permission (``OpenApi.can_get``, public) is unchanged. After FAB has collected the paths, each
operation gets the shared error responses it can answer: 400 and 500 always, 401/403 when it needs
a login, 404 when its path names a record, 429 for POSTs and limited endpoints.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.api.manager import SwaggerView

from app.api.base import ApiErrorsMixin
from app.counting import document_estimated_counts

REF = "#/components/responses/{}"
LOGIN_PATHS = ("/api/v1/security/login", "/api/v1/security/refresh")


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses each operation can answer (referencing the shared Error schema)."""
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method not in {"get", "post", "put", "delete", "patch"}:
                continue
            responses = operation.setdefault("responses", {})
            statuses = {"400", "500"}
            if operation.get("security") or path in LOGIN_PATHS:
                statuses |= {"401", "403"}
            if "{" in path:
                statuses.add("404")
            if method != "get" or path in LOGIN_PATHS:
                statuses.add("429")
            for status in statuses:
                responses.setdefault(status, {"$ref": REF.format(status)})
            for status, response in list(responses.items()):
                if str(status).startswith(("4", "5")) and "$ref" not in response:
                    responses[status] = {"$ref": REF.format(status)}
    return spec


class OpenApi(ApiErrorsMixin, FabOpenApi):
    """FAB's OpenAPI view, answering errors in our shape and documenting every error response."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version: str):
        """Return the OpenAPI document of every API of ``version``.
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
        """
        api_spec = self._create_api_spec(version)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **document_estimated_counts(document_errors(api_spec.to_dict())))


def register_openapi(appbuilder) -> None:
    """Add the OpenAPI document and (when configured) FAB's Swagger page."""
    appbuilder.add_api(OpenApi)
    if current_app.config.get("FAB_API_SWAGGER_UI"):
        appbuilder.add_view_no_menu(SwaggerView)
