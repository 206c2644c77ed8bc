"""Time a bulk approval through the workflow (``act_many``) against raw SQL doing the same writes.

    .venv/bin/python bench/bulk_approval.py --database-url URL [--applications 1000]

The database must be migrated, initialised and seeded (``flask seed-demo``; bench/generate.py
data may be there too). The script adds 2 × N physicians, each with a first registration in
待受理 (events create, submit, confirm), all at 北京朝阳示范医院, then in one process:

* workflow: ``act_many(reviewer_11, first N ids, "approve")`` — per application the row lock, the
  implied 受理 and the 准予注册 event, a certificate number from the serial counter, the
  registration with its scope, the physician's institution, the deadline, the SMS to the
  physician in the outbox; one transaction, a savepoint per row.
* baseline: the same writes for the other N with hand-written SQL, one statement per write, one
  transaction (no ORM, no savepoints, no refusal handling).

Prints applications/s of both and their ratio, and checks both wrote the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

import config  # noqa: E402
from app import create_app  # noqa: E402
from app.domain.certificates import compose_practice_no, practice_no_prefix  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Application,
    ApplicationEvent,
    Institution,
    Message,
    Physician,
    PracticeRegistration,
    PracticeScope,
    Qualification,
    RegistryUser,
)
from app.security.roles import COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN  # noqa: E402
from app.security.scope import scope_for  # noqa: E402
from app.summaries import touch_applications, touch_physicians, touch_qualifications  # noqa: E402
from app.workflow.commands import Actor, act_many  # noqa: E402
from bench.generate import id_number  # noqa: E402

TODAY = dt.date(2026, 11, 30)  # a Monday; the calendar of 2026 is known
HOSPITAL = "北京朝阳示范医院"
REVIEWER = "reviewer_11"
PENDING_STEPS = (
    ("create", None, "draft", PHYSICIAN),
    ("submit", "draft", "submitted", PHYSICIAN),
    ("confirm", "submitted", "pending_acceptance", INSTITUTION_ADMIN),
)


def prepare(count: int) -> list[int]:
    """Insert ``count`` physicians with a first registration in 待受理; return the application ids."""
    hospital = db.session.scalar(select(Institution).where(Institution.name == HOSPITAL))
    first = (db.session.scalar(select(func.max(Physician.id))) or 0) + 1
    now = dt.datetime(2026, 11, 27, 9)
    qualifications, physicians, applications = [], [], []
    for pid in range(first, first + count):
        number = id_number("110105", dt.date(1970, 1, 1) + dt.timedelta(days=pid), 999)
        qualifications.append({
            "id": pid + 10_000_000, "certificate_no": f"2025111" f"10{number}", "name": f"批量{pid}",
            "id_number": number, "level": "physician", "category": "clinical", "province_code": "110000",
            "exam_year": 2025, "published_on": dt.date(2025, 9, 15), "issued_on": dt.date(2025, 11, 14),
        })
        physicians.append({
            "id": pid, "name": f"批量{pid}", "id_number": number, "phone": f"139{pid % 100_000_000:08d}",
            "phone_verified": True, "status": "active", "institution_id": hospital.id,
            "region_code": hospital.region_code,
        })
        applications.append({
            "number": f"B{TODAY:%Y%m%d}{pid:09d}", "type": "first", "status": "pending_acceptance",
            "physician_id": pid, "institution_id": hospital.id, "region_code": hospital.region_code,
            "submitted_at": now, "confirmed_at": now,
            "data": {"qualification_id": pid + 10_000_000, "level": "physician", "category": "clinical",
                     "location_code": "110000", "institution_id": hospital.id, "scope_codes": ["CLN01"]},
        })
    db.session.execute(insert(Qualification), qualifications)
    db.session.execute(insert(Physician), physicians)
    db.session.execute(insert(Application), applications)
    ids = db.session.scalars(
        select(Application.id).where(Application.physician_id >= first).order_by(Application.id)
    ).all()
    db.session.execute(insert(ApplicationEvent), [
        {"application_id": aid, "action": a, "from_status": f, "to_status": t, "actor_role": r, "created_at": now}
        for aid in ids for a, f, t, r in PENDING_STEPS
    ])
    touch_physicians(db.session, [p["id"] for p in physicians])  # Core rows: the window's counts follow
    touch_qualifications(db.session, [], qualifications)
    touch_applications(db.session, ids)
    db.session.commit()
    return list(ids)


def reviewer() -> Actor:
    """Return the Beijing reviewer as an actor."""
    user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == REVIEWER))
    return Actor(user.id, scope_for(user))


def workflow(ids: list[int]) -> float:
    """Approve ``ids`` through act_many; return the seconds taken."""
    actor = reviewer()
    db.session.commit()
    started = time.perf_counter()
    result = act_many(actor, ids, "approve", today=TODAY)
    elapsed = time.perf_counter() - started
    assert len(result.done) == len(ids), result.refused
    return elapsed


BASELINE_SQL = {
    "lock": "SELECT status, physician_id, version FROM application WHERE id = :id"
            " AND region_code BETWEEN '110000' AND '119999'",
    "serial": "UPDATE certificate_serial SET last = last + 1 WHERE prefix = :prefix RETURNING last",
    "registration": "INSERT INTO practice_registration (physician_id, qualification_id, certificate_no, level,"
                    " category, location_code, institution_id, region_code, status, registered_on, updated_at)"
                    " VALUES (:physician_id, :qualification_id, :certificate_no, 'physician', 'clinical',"
                    " '110000', :institution_id, :region, 'active', :today, :now) RETURNING id",
    "scope": "INSERT INTO registration_scope (registration_id, scope_id) VALUES (:registration_id, :scope_id)",
    "physician": "UPDATE physician SET institution_id = :institution_id, region_code = :region WHERE id = :physician_id",
    "application": "UPDATE application SET status = 'approved', accepted_at = :now, decided_at = :now,"
                   " decide_due = :due, registration_id = :registration_id, version = version + 1"
                   " WHERE id = :id AND version = :version",
    "event": "INSERT INTO application_event (application_id, from_status, to_status, action, actor_id,"
             " actor_role, created_at) VALUES (:id, :source, :target, :action, :actor_id, :role, :now)",
    "message": "INSERT INTO message (channel, recipient, template, subject, body, status, attempts, created_at,"
               " next_attempt_at) VALUES ('sms', :phone, 'application_status', :subject, :body, 'pending', 0,"
               " :now, :now)",
}


def baseline(ids: list[int]) -> float:
    """Do the workflow's writes for ``ids`` with plain SQL, one statement per write; return seconds."""
    hospital = db.session.scalar(select(Institution).where(Institution.name == HOSPITAL))
    scope_id = db.session.scalar(select(PracticeScope.id).where(PracticeScope.code == "CLN01"))
    actor_id = reviewer().user_id
    prefix = practice_no_prefix("physician", "clinical", "110000")
    db.session.commit()
    sql = {name: text(statement) for name, statement in BASELINE_SQL.items()}
    lock = " FOR UPDATE" if db.engine.dialect.name == "postgresql" else ""
    sql["lock"] = text(BASELINE_SQL["lock"] + lock)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for aid in ids:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            status, physician_id, version = conn.execute(sql["lock"], {"id": aid}).one()
            assert status == "pending_acceptance"
            number, phone = conn.execute(text(
                "SELECT a.number, p.phone FROM application a JOIN physician p ON p.id = a.physician_id"
                " WHERE a.id = :id"), {"id": aid}).one()
            serial = conn.execute(sql["serial"], {"prefix": prefix}).scalar_one()
            registration_id = conn.execute(sql["registration"], {
                "physician_id": physician_id, "qualification_id": physician_id + 10_000_000,
                "certificate_no": compose_practice_no(prefix, serial), "institution_id": hospital.id,
                "region": hospital.region_code, "today": TODAY, "now": now}).scalar_one()
            conn.execute(sql["scope"], {"registration_id": registration_id, "scope_id": scope_id})
            conn.execute(sql["physician"], {"institution_id": hospital.id, "region": hospital.region_code,
                                            "physician_id": physician_id})
            for action, source, target in (("accept", "pending_acceptance", "accepted"),
                                           ("approve", "accepted", "approved")):
                conn.execute(sql["event"], {"id": aid, "source": source, "target": target, "action": action,
                                            "actor_id": actor_id, "role": COMMISSION_REVIEWER, "now": now})
            conn.execute(sql["application"], {"now": now, "due": dt.date(2026, 12, 28),
                                               "registration_id": registration_id, "id": aid, "version": version})
            conn.execute(sql["message"], {"phone": phone, "now": now, "subject": f"您的申请 {number}：准予注册",
                                          "body": f"【医师电子注册】您的首次注册申请 {number} 当前状态：准予注册。请登录查看详情。"})
    return time.perf_counter() - started


def rows() -> tuple[int, int, int]:
    """Return the number of (registrations, events, outbox messages) in the database."""
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (PracticeRegistration, ApplicationEvent, Message))


def timed(run, ids: list[int]) -> tuple[float, float, tuple[int, ...]]:
    """Run one side; return its wall seconds, this process's CPU seconds and the rows added per table."""
    before = rows()
    cpu = time.process_time()
    seconds = run(ids)
    cpu = time.process_time() - cpu
    db.session.commit()
    return seconds, cpu, tuple(after - first for after, first in zip(rows(), before, strict=True))


def main(argv: list[str] | None = None) -> None:
    """Prepare, run both sides, print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--applications", type=int, default=1000)
    args = parser.parse_args(argv)
    app = create_app(type("BenchConfig", (config.Config,), {
        "SQLALCHEMY_DATABASE_URI": args.database_url, "LOG_LEVEL": "WARNING"}))
    with app.app_context():
        ids = prepare(2 * args.applications)
        half = args.applications
        ours, our_cpu, our_rows = timed(workflow, ids[:half])
        raw, raw_cpu, raw_rows = timed(baseline, ids[half:])
        if our_rows != raw_rows:
            raise SystemExit(f"the two sides wrote different rows: {our_rows} vs {raw_rows}")
        rate, raw_rate = half / ours, half / raw
        # CPU of this process: the whole cost on SQLite (in-process), the client's share on PostgreSQL;
        # it does not depend on how busy the machine is, wall time does.
        print(f"{db.engine.dialect.name}, {half:,} applications approved from 待受理 in each run; each wrote "
              f"{our_rows[0]:,} registrations, {our_rows[1]:,} events, {our_rows[2]:,} outbox messages")
        print(f"{'':10}{'wall s':>9}{'apps/s':>9}{'CPU s':>9}{'apps/CPU s':>12}")
        print(f"{'act_many':10}{ours:9.2f}{rate:9,.0f}{our_cpu:9.2f}{half / our_cpu:12,.0f}")
        print(f"{'raw SQL':10}{raw:9.2f}{raw_rate:9,.0f}{raw_cpu:9.2f}{half / raw_cpu:12,.0f}")
        print(f"{'ratio':10}{ours / raw:8.2f}x{'':9}{our_cpu / raw_cpu:8.2f}x   (target: act_many >= 500 applications/s)")


if __name__ == "__main__":
    main()
