"""Rate limits that do not lock out a hospital behind one public address.

Per account and per target first: a login name (``AUTH_ACCOUNT_RATE_LIMIT``), an ID number, mobile
number, e-mail address or login of the public account API (``ACCOUNT_API_TARGET_RATE_LIMIT``);
per client address only as a generous ceiling (``AUTH_RATE_LIMIT``, ``ACCOUNT_API_RATE_LIMIT``).
The public register lookup has no account to key on: it counts per client address
(``PUBLIC_LOOKUP_RATE_LIMIT``), one counter for its page and its API.
The counts live in Flask-Limiter's store (RATELIMIT_STORAGE_URI, shared by the workers); targets are
stored as keyed hashes, never in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app, request
from limits import parse, parse_many

DEFAULTS = {
    "AUTH_ACCOUNT_RATE_LIMIT": "10 per minute",
    "ACCOUNT_API_TARGET_RATE_LIMIT": "10 per hour",
    "ACCOUNT_API_RATE_LIMIT": "300 per hour",
    "PUBLIC_LOOKUP_RATE_LIMIT": "20 per hour;100 per day",
}


class RateLimited(Exception):
    """A per-target limit is exhausted; ``seconds`` until it resets."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def setting(name: str) -> str:
    """Return a limit from the configuration (read at request time, so tests may change it)."""
    return current_app.config.get(name) or DEFAULTS[name]


def digest(value: str) -> str:
    """Return a keyed hash of a normalised target (no ID number or phone in the limiter's store)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"limit|{value.strip().lower()}".encode(), hashlib.sha256).hexdigest()[:32]


def login_name_key() -> str:
    """Key a login attempt (form or JSON) by its login name."""
    body = request.get_json(silent=True) if request.is_json else request.form
    name = body.get("username") if hasattr(body, "get") else None
    return "login/" + digest(name if isinstance(name, str) else "")


def login_account_limit() -> str:
    """Return the per-login-name limit of the web and API login."""
    return setting("AUTH_ACCOUNT_RATE_LIMIT")


def account_api_address_limit() -> str:
    """Return the per-address ceiling of the public account API."""
    return setting("ACCOUNT_API_RATE_LIMIT")


def hit_targets(scope: str, *targets: str | None) -> None:
    """Count one request against each target; raise RateLimited when one is exhausted."""
    limiter = current_app.appbuilder.sm.limiter
    if not limiter.enabled:
        return
    item = parse(setting("ACCOUNT_API_TARGET_RATE_LIMIT"))
    waits = []
    for target in {t.strip().lower() for t in targets if isinstance(t, str) and t.strip()}:
        keys = ("account-api", scope, digest(target))
        if not limiter.limiter.hit(item, *keys):
            reset = limiter.limiter.get_window_stats(item, *keys).reset_time
            waits.append(max(1, math.ceil(reset - time.time())))
    if waits:
        raise RateLimited(max(waits))


def hit_client(scope: str, limit_setting: str, client: str | None) -> None:
    """Count one request of a client address under every limit of ``limit_setting``; raise RateLimited when one is spent.

    The key is the same whichever page or API counts it, so a web page and its API share one quota.
    A refused request is not counted (a spent hour does not eat into the day).
    """
    limiter = current_app.appbuilder.sm.limiter
    if not limiter.enabled:
        return
    keys = ("client", scope, digest(client or "unknown"))
    items = parse_many(setting(limit_setting))
    spent = [item for item in items if not limiter.limiter.test(item, *keys)]
    if not spent:
        spent = [item for item in items if not limiter.limiter.hit(item, *keys)]
    if spent:
        resets = [limiter.limiter.get_window_stats(item, *keys).reset_time for item in spent]
        raise RateLimited(max(1, math.ceil(max(resets) - time.time())))
