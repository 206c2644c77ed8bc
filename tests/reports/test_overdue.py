"""The dashboard's overdue list: the longest overdue first (then the earliest submitted), across both
waiting statuses, and its count, read from ix_application_waiting; equal to the rule applied in Python
to every application."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from app.domain.enums import ApplicationStatus as S
from app.extensions import db
from app.models import Application
from app.reports.dashboard import overdue_page
from app.security.roles import ADMIN
from app.security.scope import Scope

TODAY = dt.date(2026, 12, 10)
SCOPES = {"national": Scope(role=ADMIN), "北京": Scope(role="CommissionReviewer", jurisdiction="110000"),
          "上海": Scope(role="CommissionReviewer", jurisdiction="310000")}


def expected(scope_name: str, limit: int) -> tuple[list[int], int]:
    """Apply the rule in Python: pending acceptance past accept_due, accepted past decide_due."""
    rows = []
    for application in db.session.scalars(select(Application)):
        if scope_name == "北京" and not (application.region_code or "").startswith("11"):
            continue
        if scope_name == "上海" and not (application.region_code or "").startswith("31"):
            continue
        due = {S.PENDING_ACCEPTANCE: application.accept_due, S.ACCEPTED: application.decide_due}.get(
            S(application.status))
        if due is not None and due < TODAY:
            rows.append((due, application.submitted_at, application.id))
    rows.sort()
    return [row[-1] for row in rows[:limit]], len(rows)


@pytest.mark.parametrize("limit", [1, 3, 50])
@pytest.mark.parametrize("scope_name", list(SCOPES))
def test_the_overdue_list_is_the_rule_in_order_with_its_count(app, scope_name, limit):
    with app.app_context():
        # spread the deadlines of both waiting statuses so that the two indexes interleave
        open_ids = db.session.scalars(select(Application.id).where(
            Application.status.in_([S.PENDING_ACCEPTANCE, S.ACCEPTED])).order_by(Application.id)).all()
        assert len(open_ids) >= 4
        for n, application_id in enumerate(open_ids):
            due = TODAY - dt.timedelta(days=(n * 7) % 11 - 3)  # some past, some today or later
            db.session.execute(update(Application).where(Application.id == application_id)
                               .values(accept_due=due, decide_due=due + dt.timedelta(days=n % 3)))
        db.session.commit()
        rows, total = overdue_page(SCOPES[scope_name], TODAY, limit)
        assert ([row.id for row in rows], total) == expected(scope_name, limit)
        if scope_name == "national":
            assert total >= 2 and {S(row.status) for row in overdue_page(SCOPES[scope_name], TODAY, 50)[0]} == {
                S.PENDING_ACCEPTANCE, S.ACCEPTED}
