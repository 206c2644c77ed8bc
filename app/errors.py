"""HTTP errors answered in one place: a Chinese page inside the site's layout, or JSON under /api/.

Every JSON error anywhere in the application has the shape ``{"code", "message", "params"}``
(``json_error``); pages get ``errors/error.html``. Handlers are registered once by the factory.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
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


# machine code -> message of the JSON API (more precise than the page titles above)
API_MESSAGES: dict[str, Any] = {
    "bad_request": _l("The request cannot be understood. Check the parameters and try again."),
    "invalid_request": _l("The request is malformed or misses required fields."),
    "invalid_query": _l("The query parameter q is not valid: check its syntax, filters, order and paging."),
    "unauthorized": _l("Please log in first: send a valid access token (Authorization: Bearer <token>)."),
    "token_expired": _l("The access token has expired. Refresh it or log in again."),
    "token_invalid": _l("The access token is not valid. Please log in again."),
    "fresh_login_required": _l("This action needs a fresh login. Please log in again."),
    "login_failed": _l("The login name or password is wrong."),
    "account_locked": _l(
        "Too many wrong passwords: the account is locked until %(until)s (Beijing time). "
        "Reset the password by verified phone or e-mail, or ask an administrator to unlock it."
    ),
    "account_locked_admin": _l(
        "Too many wrong passwords: the account is locked until an administrator unlocks it, "
        "or the password is reset by verified phone or e-mail."
    ),
    "forbidden": _l("Your account has no permission for this operation."),
    "not_found": _l("The record does not exist, or is outside what your account may see."),
    "method_not_allowed": _l("This address does not accept this HTTP method."),
    "unprocessable": _l("The data sent cannot be processed."),
    "rate_limited": _l("Too many requests. Please wait %(seconds)d seconds and try again."),
    "server_error": _l("The system has a problem, please try again later. Nothing was changed."),
}


def is_api_request() -> bool:
    """Return True when the current request belongs to the JSON API."""
    return request.path.startswith("/api/")


def api_message(code: str, params: dict[str, Any] | None = None) -> str:
    """Return the translated API message of ``code`` (the HTTP title when it has none), filled in."""
    template = API_MESSAGES.get(code)
    if template is None:
        status = next((s for s, (c, _t, _a) in HTTP_ERRORS.items() if c == code), 400)
        return str(_describe(status)[1])
    try:
        return str(template) % (params or {}) if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template).split("%(")[0].strip()


def api_error(
    status: int, code: str | None = None, params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return ``json_error`` with the registry's message for ``code`` (default: the status's code)."""
    code = code or _describe(status)[0]
    return json_error(status, code, api_message(code, params), params=params, headers=headers)


def retry_after_seconds() -> int:
    """Return the seconds until the limit breached by this request resets (at least 1)."""
    from flask import current_app

    limiter = getattr(getattr(current_app, "appbuilder", None), "sm", None)
    current = getattr(getattr(limiter, "limiter", None), "current_limit", None)
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()))


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
        params = None
        if status == 429:
            seconds = int(retry_after) if str(retry_after or "").isdigit() else retry_after_seconds()
            params, headers["Retry-After"] = {"seconds": seconds}, str(seconds)
        return api_error(status, code, params, headers)
    return render_error_page(status, title, advice, headers, retry_after)


def _back_url() -> str | None:
    """Return the referring page if it is on this site and not the failing page itself."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if not referrer or parts.netloc != request.host or referrer == request.url:
        return None
    return referrer


def render_error_page(status: int, title: Any, advice: Any, headers: dict, retry_after: Any = None) -> tuple:
    """Render our Chinese error page in the site's layout (a bare Chinese page if the layout itself fails)."""
    from flask import current_app

    if status >= 500:
        from app.extensions import db

        db.session.rollback()  # the failed request may have left the session unusable
    appbuilder = current_app.appbuilder
    try:
        body = render_template(
            "errors/error.html", status=status, title=title, advice=advice, retry_after=retry_after,
            back_url=_back_url(), appbuilder=appbuilder, base_template=appbuilder.base_template,
        )
    except Exception:  # noqa: BLE001 - the error page must never fail in turn
        current_app.logger.exception("error page could not be rendered")
        body = (
            f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>{escape(str(title))}</title>'
            f"<h1>{escape(str(title))}</h1><p>{escape(str(advice))}</p><p><a href=\"/\">{escape(str(_l('Back to the home page')))}</a></p></html>"
        )
    return body, status, headers


def handle_unexpected(error: Exception) -> Response | tuple:
    """Log an unexpected exception and answer 500 without showing any internals."""
    from flask import current_app

    current_app.logger.exception("unhandled exception", exc_info=error)
    return handle_http_error(InternalServerError())


ERROR_KEYS = {"code", "message", "params"}


def normalize_api_error(response: Response) -> Response:
    """Give any other error answer under /api/ (FAB's, an extension's) the one JSON shape."""
    if not is_api_request() or response.status_code < 400:
        return response
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and ERROR_KEYS <= set(body):
        return response
    status = response.status_code
    params = None
    if status == 429:
        seconds = response.headers.get("Retry-After", "")
        params = {"seconds": int(seconds) if seconds.isdigit() else retry_after_seconds()}
    answer = api_error(status, None, params)
    for name, value in response.headers.items():
        if name.lower() not in {"content-type", "content-length", "retry-after"}:
            answer.headers.add(name, value)
    if params:
        answer.headers["Retry-After"] = str(params["seconds"])
    return answer


def agree_retry_after(response: Response) -> Response:
    """Make Retry-After of an API 429 say what its body says (Flask-Limiter rewrites the header)."""
    if response.status_code == 429 and is_api_request() and response.is_json:
        seconds = (response.get_json(silent=True) or {}).get("params", {}).get("seconds")
        if isinstance(seconds, int):
            response.headers["Retry-After"] = str(seconds)
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.after_request(normalize_api_error)
    # After-request functions run last-registered first: at the front, this one runs after the limiter's.
    app.after_request_funcs.setdefault(None, []).insert(0, agree_retry_after)
    # Tests and the debugger see the traceback (Flask's own rule); set PROPAGATE_EXCEPTIONS=False to get
    # the page in a test. Everywhere else an unexpected exception answers our 500 page.
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = app.testing or app.debug
    if not propagate:
        app.register_error_handler(Exception, handle_unexpected)
