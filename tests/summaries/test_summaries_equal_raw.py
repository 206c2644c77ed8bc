"""The maintained summaries equal the raw counts after every kind of write (random workloads, demo data)."""

from __future__ import annotations

import csv
import datetime as dt
import random

import pytest
from sqlalchemy import select, text

from app.domain.certificates import compose_qualification_no
from app.domain.enums import AccountStatus
from app.extensions import db
from app.imports.upsert import ImportQualifications
from app.models import Institution, Physician, SummaryFunnel, SummaryQualified, WorkdayEntry
from app.reports.dashboard import counts_by_dimension, counts_by_institution, counts_by_scope
from app.reports.period import Period
from app.reports.stages import stage_times
from app.security.roles import ADMIN
from app.security.scope import Scope
from app.summaries import raw, raw_dashboard
from app.summaries.rebuild import differences, rebuild
from app.window.funnel import by_institution, by_province, waiting_counts
from app.workflow.calendar import load_calendar
from app.workflow.commands import act, act_many
from app.workflow.errors import WorkflowError
from bench.bulk_approval import TODAY, prepare, reviewer
from bench.generate import generate, id_number

# Independent of app/summaries and app/window: joins instead of correlated subqueries.
DIRECT = """
SELECT q.exam_year, coalesce(p.region_code, ''), coalesce(p.institution_id, 0),
       CASE WHEN a.best IS NOT NULL THEN a.best WHEN p.activated_at IS NOT NULL THEN 3
            WHEN p.verified_at IS NOT NULL THEN 2 ELSE 1 END AS stage,
       count(*),
       sum(CASE WHEN p.status IN ('created', 'verified') THEN 1 ELSE 0 END),
       sum(CASE WHEN p.status = 'active' AND a.best IS NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN r.physician_id IS NOT NULL THEN 1 ELSE 0 END)
FROM physician p
JOIN (SELECT DISTINCT id_type, id_number, exam_year FROM qualification) q
  ON q.id_number = p.id_number AND q.id_type = p.id_type
LEFT JOIN (SELECT physician_id, max(CASE WHEN status = 'approved' THEN 6 WHEN confirmed_at IS NOT NULL THEN 5
                                         WHEN submitted_at IS NOT NULL THEN 4 END) AS best
           FROM application WHERE type = 'first' AND status NOT IN ('draft', 'withdrawn')
           GROUP BY physician_id) a ON a.physician_id = p.id
LEFT JOIN (SELECT DISTINCT physician_id FROM application
           WHERE type = 'first' AND status IN ('returned', 'correction')) r ON r.physician_id = p.id
GROUP BY 1, 2, 3, 4
"""
QUALIFIED = "SELECT exam_year, province_code, count(*) FROM qualification GROUP BY exam_year, province_code"


def assert_equal_to_raw(readers: bool = True) -> None:
    """Every stored cell equals the direct count, and (``readers``) the pages' readers equal the raw readers."""
    db.session.commit()
    want = {tuple(r[:4]): tuple(int(v) for v in r[4:]) for r in db.session.execute(text(DIRECT))}
    have = {(s.cohort_year, s.region_code, s.institution_id, s.stage):
            (s.physicians, s.not_activated, s.no_application, s.returned)
            for s in db.session.scalars(select(SummaryFunnel)) if s.physicians}
    assert have == want
    assert {(q.exam_year, q.province_code): q.qualifications for q in db.session.scalars(select(SummaryQualified))} \
        == {(y, p): n for y, p, n in db.session.execute(text(QUALIFIED))}
    assert differences(db.session) == []
    if not readers:
        return
    admin, beijing = Scope(role=ADMIN), Scope(role="CommissionReviewer", jurisdiction="110000")
    for year in {key[0] for key in want}:
        for scope in (admin, beijing):
            assert by_province(db.session, year, scope) == raw.by_province(db.session, year, scope)
            assert by_institution(db.session, year, scope, "110000", 1, 500) == \
                raw.by_institution(db.session, year, scope, "110000", 1, 500)
        for institution_id in {key[2] for key in want if key[0] == year and key[2]}:
            assert waiting_counts(db.session, year, institution_id) == raw.waiting_counts(db.session, year, institution_id)
    assert_dashboard_equal_to_raw()


def assert_dashboard_equal_to_raw() -> None:
    """The dashboard's numbers from the summaries equal those counted from the applications."""
    today = dt.date(2026, 11, 30)
    calendar = load_calendar(db.session, dt.date(2000, 1, 1), dt.date(2027, 12, 31))
    scopes = (Scope(role=ADMIN), Scope(role="CommissionReviewer", jurisdiction="000000"),
              Scope(role="CommissionReviewer", jurisdiction="110000"),
              Scope(role="CommissionReviewer", jurisdiction="110100"),
              Scope(role="CommissionReviewer", jurisdiction="110105"))  # the reviewers: nobody else has the page
    periods = (Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31)), Period(dt.date(2025, 10, 17), dt.date(2026, 11, 29)),
               Period(dt.date(2026, 11, 3), dt.date(2026, 11, 30)))  # whole months; months and days; days only
    for scope in scopes:
        for period in periods:
            assert counts_by_dimension(scope, period) == raw_dashboard.counts_by_dimension(scope, period)
            assert counts_by_scope(scope, period) == raw_dashboard.counts_by_scope(scope, period)
            assert counts_by_institution(scope, period, 1, 500) == \
                raw_dashboard.counts_by_institution(scope, period, 1, 500)
            assert stage_times(scope, period, calendar, today) == \
                raw_dashboard.stage_times(scope, period, calendar, today)


def _import(tmp_path, rows: list[list[str]], name: str):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["资格证书编码", "姓名", "证件类型", "证件号码", "资格级别", "资格类别", "考试年度",
                         "成绩发布日期", "发证日期"])
        writer.writerows(rows)
    return ImportQualifications(path, today=dt.date(2026, 6, 1), batch_size=7).run()


def _qualification_row(number: str, year: int, county: str = "110105") -> list[str]:
    return [compose_qualification_no(year, county, "physician", "clinical", number), "导入医师", "居民身份证", number,
            "执业医师", "临床", str(year), f"{year}-09-15", f"{year}/11/1"]


def test_the_demo_data_is_counted_exactly(app):
    with app.app_context():
        assert db.session.scalar(select(SummaryFunnel.physicians)) is not None  # the demo was counted as it was made
        assert_equal_to_raw()
        rebuild(db.session)  # idempotent: a rebuild changes nothing
        assert_equal_to_raw()


@pytest.mark.parametrize("seed", [1, 2])
def test_random_workloads_keep_every_cell_equal(app, database_uri, tmp_path, seed):
    rng = random.Random(seed)
    generate(database_uri, 300, seed=seed, quiet=True)
    with app.app_context():
        assert_equal_to_raw()
        ids = prepare(24)  # Core rows, as the bench writes them, marked for the summaries
        assert_equal_to_raw()
        actions = ["accept", "approve", "not_accept", "ask_correction"]
        reasons = {"not_accept": "材料不全", "ask_correction": "请补交学历证明"}
        for round_ in range(3):
            rng.shuffle(ids)
            action = rng.choice(actions)
            act_many(reviewer(), ids[:6], action, reasons.get(action), today=TODAY)  # the set-based path
            for application_id in ids[6:8]:
                action = rng.choice(actions)
                try:
                    act(reviewer(), application_id, action, reasons.get(action), today=TODAY)  # one by one
                except WorkflowError:
                    db.session.rollback()
            assert_equal_to_raw(readers=False)
            # account changes: activation, moves, disabling, all through the ORM
            waiting = db.session.scalars(select(Physician).where(
                Physician.status.in_([AccountStatus.CREATED, AccountStatus.VERIFIED])).limit(5)).all()
            institutions = db.session.scalars(select(Institution.id).where(Institution.is_military.is_(False))).all()
            for physician in waiting:
                choice = rng.randrange(3)
                if choice == 0:
                    physician.status, physician.activated_at = AccountStatus.ACTIVE, dt.datetime(2026, 11, 2)
                elif choice == 1:
                    physician.institution_id = rng.choice(institutions)
                    physician.region_code = db.session.get(Institution, physician.institution_id).region_code
                else:
                    physician.verified_at = dt.datetime(2026, 11, 1)
                    physician.status = AccountStatus.VERIFIED
            active = db.session.scalars(select(Physician).where(Physician.status == AccountStatus.ACTIVE)
                                        .order_by(Physician.id).offset(rng.randrange(50)).limit(2)).all()
            for physician in active:
                physician.status = AccountStatus.DISABLED
            db.session.commit()
            assert_equal_to_raw(readers=False)
            # a qualification import: existing people join another cohort, new people arrive, a re-import moves a year
            people = db.session.execute(select(Physician.id_number).where(Physician.id_type == "resident")
                                        .order_by(Physician.id).offset(rng.randrange(100)).limit(3)).scalars().all()
            rows = [_qualification_row(n, 2020 + round_) for n in people]
            rows += [_qualification_row(id_number("110105", dt.date(1991, 1, 1 + round_), 700 + i), 2024)
                     for i in range(3)]
            assert _import(tmp_path, rows, f"q{round_}.csv").inserted == len(rows)
            assert_equal_to_raw(readers=False)
            rows[0][1] = "改名医师"  # the same certificate again: the row is rewritten (the update path)
            assert _import(tmp_path, rows, f"r{round_}.csv").updated == 1
            assert_equal_to_raw()


def test_a_rolled_back_write_leaves_the_counts(app):
    with app.app_context():
        before = {(s.cohort_year, s.region_code, s.institution_id, s.stage): s.physicians
                  for s in db.session.scalars(select(SummaryFunnel))}
        physician = db.session.scalar(select(Physician).where(Physician.status == AccountStatus.ACTIVE))
        physician.status = AccountStatus.DISABLED
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        after = {(s.cohort_year, s.region_code, s.institution_id, s.stage): s.physicians
                 for s in db.session.scalars(select(SummaryFunnel))}
        assert before == after
        assert_equal_to_raw()


def test_a_calendar_change_recounts_the_working_days_of_the_stages(app, database_uri):
    generate(database_uri, 200, seed=5, quiet=True)
    with app.app_context():
        assert_equal_to_raw()
        # a working Monday made a holiday, and a Saturday made a working day, inside the stages
        db.session.add_all([WorkdayEntry(day=dt.date(2026, 11, 16), is_working=False),
                            WorkdayEntry(day=dt.date(2026, 11, 21), is_working=True)])
        db.session.commit()
        assert_equal_to_raw()
        db.session.delete(db.session.get(WorkdayEntry, dt.date(2026, 11, 16))
                          or db.session.scalar(select(WorkdayEntry).where(WorkdayEntry.day == dt.date(2026, 11, 16))))
        db.session.commit()
        assert_equal_to_raw()
