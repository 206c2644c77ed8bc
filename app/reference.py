"""Load reference data (regions, practice scopes) and sync roles: idempotent, run by `flask init`."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.domain.enums import RegionLevel
from app.domain.regions import load_gbt2260
from app.domain.scopes import NATIONAL_SCOPES
from app.extensions import db
from app.models import PracticeScope, Region
from app.security.roles import ROLE_MATRIX

_LEVEL_ORDER = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}


def load_regions() -> tuple[int, int]:
    """Insert or update every GB/T 2260 region; return (inserted, updated)."""
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    inserted = updated = 0
    records = sorted(load_gbt2260(), key=lambda r: (_LEVEL_ORDER[r.level], r.code))
    new_rows = []
    for record in records:
        values = {
            "name": record.name,
            "level": record.level.value,
            "parent_code": record.parent_code,
            "active": record.active,
        }
        row = existing.get(record.code)
        if row is None:
            new_rows.append({"code": record.code, **values})
            inserted += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    # Parents first, so the foreign key holds on databases that check it at once.
    for level in (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY):
        batch = [row for row in new_rows if row["level"] == level.value]
        if batch:
            db.session.execute(Region.__table__.insert(), batch)
    db.session.commit()
    return inserted, updated


def load_scopes() -> int:
    """Insert the national practice scopes that are missing; return how many were added."""
    known = set(db.session.scalars(select(PracticeScope.code)))
    added = 0
    for category, scopes in NATIONAL_SCOPES.items():
        for order, (code, name) in enumerate(scopes, start=1):
            if code not in known:
                db.session.add(
                    PracticeScope(category=category.value, code=code, name=name, sort_order=order)
                )
                added += 1
    db.session.commit()
    return added


def sync_roles(appbuilder) -> dict[str, int]:
    """Create every permission and role, and mirror the code matrix into the role tables."""
    sm = appbuilder.sm
    appbuilder.add_permissions(update_perms=True)
    appbuilder.security_cleanup()  # drop permissions of views that no longer exist
    pvms = db.session.scalars(select(sm.permissionview_model)).all()
    counts = {}
    for role_name, grants in ROLE_MATRIX.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        role.permissions = [
            pvm
            for pvm in pvms
            if any(
                re.match(view, pvm.view_menu.name) and re.match(perm, pvm.permission.name)
                for view, perm in grants
            )
        ]
        counts[role_name] = len(role.permissions)
    sm.find_role(sm.auth_role_public) or sm.add_role(sm.auth_role_public)
    db.session.commit()
    return counts
