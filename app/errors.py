"""HTTP errors answered in one place: a Chinese page inside the site's layout, or JSON under /api/.

Every JSON error anywhere in the application has the shape ``{"code", "message", "params"}``
(``json_error``); pages get ``errors/error.html``. Handlers are registered once by the factory.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

# status -> (machine code, page title, what to do next)
HTTP_ERRORS: dict[int, tuple[str, Any, Any]] = {
    400: ("bad_request", _l("The request is not valid"),
          _l("Some of what was sent cannot be understood. Go back and try again.")),
    401: ("unauthorized", _l("Please log in"),
          _l("This page needs you to log in first.")),
    403: ("forbidden", _l("You may not open this page"),
          _l("Your account has no permission for this page. If you need it, contact your administrator.")),
    404: ("not_found", _l("Page not found"),
          _l("The page or record does not exist, or is outside what your account may see.")),
    405: ("method_not_allowed", _l("This action is not allowed here"),
          _l("The page cannot be used this way. Go back and use the buttons on the page.")),
    413: ("too_large", _l("The upload is too large"),
          _l("The file is larger than allowed. Choose a smaller file and try again.")),
    429: ("rate_limited", _l("Too many requests"),
          _l("Too many attempts in a short time. Please wait a moment and try again.")),
    500: ("server_error", _l("The system has a problem, please try again later"),
          _l("Nothing you entered on this page was saved. If it happens again, call the service hotline.")),
    503: ("unavailable", _l("The service is temporarily unavailable"),
          _l("The system is being maintained. Please try again later.")),
}


def is_api_request() -> bool:
    """Return True when the current request belongs to the JSON API."""
    return request.path.startswith("/api/")


def json_error(
    status: int,
    code: str,
    message: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Return the one JSON error body of the API: {"code", "message", "params"} with ``status``."""
    response = jsonify(code=code, message=str(message), params=params or {}, **extra)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _describe(status: int) -> tuple[str, Any, Any]:
    return HTTP_ERRORS.get(status) or HTTP_ERRORS[500 if status >= 500 else 400]


def handle_http_error(error: HTTPException) -> Response | tuple:
    """Answer an HTTP error as JSON under /api/ and as our Chinese page elsewhere."""
    status = error.code or 500
    code, title, advice = _describe(status)
    headers = {}
    retry_after = getattr(error, "retry_after", None) or (
        error.response.headers.get("Retry-After") if getattr(error, "response", None) is not None else None
    )
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    if is_api_request():
        return json_error(status, code, str(title), headers=headers)
    from flask import current_app

    appbuilder = current_app.appbuilder
    body = render_template(
        "errors/error.html", status=status, title=title, advice=advice,
        appbuilder=appbuilder, base_template=appbuilder.base_template,
    )
    return body, status, headers


def handle_unexpected(error: Exception) -> Response | tuple:
    """Log an unexpected exception and answer 500 without showing any internals."""
    from flask import current_app

    current_app.logger.exception("unhandled exception", exc_info=error)
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS") and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
