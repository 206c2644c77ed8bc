"""Public pages anybody may open: the FAQ and the 大字版 (large text) switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from flask_appbuilder import BaseView, expose

LARGE_TEXT_COOKIE = "large_text"
ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return ``target`` if it is a path on this site, ``fallback`` otherwise (no open redirect)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target.rstrip("?") or fallback


class PublicView(BaseView):
    """Pages without login: frequently asked questions, and the text-size switch (works without JavaScript)."""

    route_base = ""
    default_view = "faq"

    @expose("/faq/")
    def faq(self):
        """Answer the questions physicians and staff ask most, drawn from the rules of the service."""
        cfg = current_app.config
        return self.render_template(
            "public/faq.html",
            opening_days=cfg["ACCOUNT_OPENING_DELAY_DAYS"],
            max_scopes=cfg["MAX_SCOPES"],
        )

    @expose("/text-size")
    def text_size(self):
        """Switch the large-text version on (large=1) or off, remember it in a cookie, go back."""
        response = redirect(safe_next(request.args.get("next")))
        if request.args.get("large") == "1":
            response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=ONE_YEAR, samesite="Lax",
                                secure=current_app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
        else:
            response.delete_cookie(LARGE_TEXT_COOKIE)
        return response
