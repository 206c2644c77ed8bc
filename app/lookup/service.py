"""One lookup, the same for the web page and the API: parse, check, count, search.

The order is fixed: the terms are checked first (an empty or unknown term costs nothing); then the
client's quota is counted (``PUBLIC_LOOKUP_RATE_LIMIT``, shared by page and API); then the captcha
is checked (one guess per challenge); only then is the register searched. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.api.limits import RateLimited, hit_client
from app.domain.clock import BEIJING, today_in_beijing
from app.lookup.errors import LookupRefusal
from app.lookup.search import (
    LookupQuery,
    PublicRegistration,
    find_registrations,
    institutions_named,
    is_province,
)

FIELDS = ("province", "name", "institution")
LABELS = {"province": _l("Province"), "name": _l("Physician's full name"), "institution": _l("Institution (full name)")}
MAX_NAME = 64
MAX_INSTITUTION = 128
LIMIT_SCOPE = "public-lookup"


def field_refusal(code: str, field: str, **params) -> LookupRefusal:
    """Return a refusal placed beside its form field."""
    refusal = LookupRefusal(code, **params)
    refusal.field = field
    return refusal


def read_query(values: Mapping[str, object], session: Session) -> tuple[LookupQuery | None, list[LookupRefusal]]:
    """Return the query of the three terms (trimmed), or every problem with them at once."""
    terms = {field: values.get(field) for field in FIELDS}
    text = {field: value.strip() if isinstance(value, str) else "" for field, value in terms.items()}
    errors = [field_refusal("field_required", field, label=str(LABELS[field])) for field in FIELDS if not text[field]]
    if text["province"] and not is_province(session, text["province"]):
        errors.append(field_refusal("lookup_province_unknown", "province"))
    if text["name"] and len(text["name"]) > MAX_NAME:
        errors.append(field_refusal("lookup_name_invalid", "name"))
    if text["institution"] and len(text["institution"]) > MAX_INSTITUTION:
        errors.append(field_refusal("lookup_institution_unknown", "institution"))
    if errors:
        return None, sorted(errors, key=lambda e: FIELDS.index(e.field))
    return LookupQuery(text["province"], text["name"], text["institution"]), []


def retry_time(seconds: int, now: dt.datetime | None = None) -> str:
    """Return when a spent quota is back, in Beijing time to the minute (rounded up): 2026-11-29 14:05."""
    now = now or dt.datetime.now(dt.UTC)
    moment = now.astimezone(BEIJING) + dt.timedelta(seconds=seconds)
    moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1 if moment.second or moment.microsecond else 0)
    return moment.strftime("%Y-%m-%d %H:%M")


def lookup(session: Session, query: LookupQuery, client: str | None, captcha_ok: Callable[[], bool],
           today: dt.date | None = None) -> list[PublicRegistration]:
    """Run one lookup for a client address; raise LookupRefusal (field, limit, captcha, no match)."""
    institution_ids = institutions_named(session, query.province, query.institution)
    if not institution_ids:
        raise field_refusal("lookup_institution_unknown", "institution")
    try:
        hit_client(LIMIT_SCOPE, "PUBLIC_LOOKUP_RATE_LIMIT", client)
    except RateLimited as limited:
        raise LookupRefusal("lookup_limited", seconds=limited.seconds,
                            time=retry_time(limited.seconds)) from None
    if not captcha_ok():
        raise field_refusal("captcha_wrong", "captcha")
    found = find_registrations(session, query, institution_ids, today or today_in_beijing())
    if not found:
        raise LookupRefusal("lookup_no_match")
    return found

