"""Write security events in the caller's transaction (or a side transaction that must survive it)."""

from __future__ import annotations

from app.extensions import db
from app.models import SecurityEvent


def record(event: str, *, physician=None, user_id=None, actor_id=None, institution_id=None,
           ip: str | None = None, detail: str | None = None, session=None,
           region_code: str | None = None) -> SecurityEvent:
    """Add one security event to ``session`` (default: the command's own)."""
    row = SecurityEvent(
        event=event,
        physician_id=physician.id if physician is not None else None,
        user_id=user_id if user_id is not None else (physician.user_id if physician is not None else None),
        actor_id=actor_id,
        institution_id=institution_id if institution_id is not None else (
            physician.institution_id if physician is not None else None
        ),
        region_code=region_code if region_code is not None else (
            physician.region_code if physician is not None else None
        ),
        ip=ip,
        detail=detail,
    )
    (session or db.session).add(row)
    return row
