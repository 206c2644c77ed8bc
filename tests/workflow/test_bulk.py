"""The set-based bulk path writes what the single path writes, row for row, and refuses the same rows."""

import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Application, ApplicationEvent, Message, Physician, PracticeRegistration
from app.workflow import bulk
from app.workflow.commands import act, act_many
from app.workflow.errors import WorkflowError
from bench.bulk_approval import TODAY, prepare, reviewer

REASONS = {"approve": None, "accept": None, "not_accept": "材料不全", "ask_correction": "请补交学历证明"}


def picture(application_id: int) -> tuple:
    """Return everything an action wrote for one application, without ids, times and per-person values."""
    application = db.session.get(Application, application_id)
    number, physician = application.number, db.session.get(Physician, application.physician_id)
    events = db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                                .order_by(ApplicationEvent.id)).all()
    messages = db.session.scalars(select(Message).where(Message.body.contains(number)).order_by(Message.id)).all()
    registration = application.registration
    return (
        application.status, application.decision_comment, application.accept_due, application.decide_due,
        application.version, application.accepted_at is not None, application.decided_at is not None,
        [(e.action, e.from_status, e.to_status, e.actor_id, e.actor_role, e.comment) for e in events],
        [(m.channel, m.recipient == physician.phone, m.template, m.subject.replace(number, "N"),
          m.body.replace(number, "N"), m.status) for m in messages],
        registration and (
            registration.level, registration.category, registration.location_code, registration.institution_id,
            registration.region_code, registration.status, registration.registered_on,
            registration.qualification_id - registration.physician_id, registration.certificate_no[:9],
            len(registration.certificate_no), sorted(s.code for s in registration.scopes),
        ),
        (physician.institution_id, physician.region_code),
    )


@pytest.mark.parametrize("action", sorted(REASONS))
def test_bulk_writes_what_one_by_one_writes(app, action):
    with app.app_context():
        ids = prepare(8)
        actor = reviewer()
        act(actor, ids[0], "accept", today=TODAY)  # one of each half starts from 受理
        act(actor, ids[4], "accept", today=TODAY)
        result = act_many(reviewer(), ids[:4], action, REASONS[action], today=TODAY)
        for application_id in ids[4:]:
            try:
                act(reviewer(), application_id, action, REASONS[action], today=TODAY)
            except Exception:  # noqa: BLE001 - the same row is refused on both sides
                pass
        db.session.expire_all()
        assert [picture(i) for i in ids[:4]] == [picture(i) for i in ids[4:]]
        assert len(result.done) + len(result.refused) == 4


def test_certificate_numbers_follow_each_other(app):
    with app.app_context():
        ids = prepare(6)
        act_many(reviewer(), ids[:3], "approve", today=TODAY)
        for application_id in ids[3:]:
            act(reviewer(), application_id, "approve", today=TODAY)
        numbers = [db.session.get(Application, i).registration.certificate_no for i in ids]
        serials = [int(n[9:]) for n in numbers]
        assert serials == list(range(serials[0], serials[0] + 6))


def test_a_refused_row_does_not_sink_the_others(app):
    with app.app_context():
        ids = prepare(5)
        act(reviewer(), ids[2], "not_accept", "材料不全", today=TODAY)
        refused_number = db.session.get(Application, ids[2]).number
        result = act_many(reviewer(), [*ids, 2_000_000_000], "approve", today=TODAY)
        numbers = [db.session.get(Application, i).number for i in ids]
        assert result.done == numbers[:2] + numbers[3:]
        assert list(result.refused) == [refused_number, "2000000000"]
        with pytest.raises(WorkflowError) as single:
            act(reviewer(), ids[2], "approve", today=TODAY)
        assert result.refused[refused_number] == single.value.message  # "already handled: 不予受理"
        assert db.session.get(Application, ids[2]).registration_id is None


def test_a_failed_bulk_write_falls_back_to_one_by_one(app, monkeypatch):
    """When the set-based write fails (a unique index, say) nothing of it stays and every row is retried alone."""
    with app.app_context():
        ids = prepare(4)
        write = bulk.write

        def write_then_fail(*args):
            write(*args)
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))

        monkeypatch.setattr(bulk, "write", write_then_fail)
        before = db.session.scalar(select(db.func.count()).select_from(PracticeRegistration))
        result = act_many(reviewer(), ids, "approve", today=TODAY)
        assert len(result.done) == 4 and not result.refused
        after = db.session.scalar(select(db.func.count()).select_from(PracticeRegistration))
        assert after - before == 4
        events = db.session.scalar(select(db.func.count()).select_from(ApplicationEvent)
                                   .where(ApplicationEvent.application_id.in_(ids)))
        assert events == 4 * 5  # create, submit, confirm, then accept and approve once each


def test_two_bulk_approvals_at_once_never_share_a_number(app, database_uri):
    """Two reviewers approve interleaved halves at once: every certificate number differs, none is skipped."""
    if database_uri.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the concurrent case is proven on PostgreSQL")
    with app.app_context():
        ids = prepare(40)
    barrier = threading.Barrier(2)
    results = []

    def approve(chunk: list[int]) -> None:
        with app.app_context():
            who = reviewer()
            db.session.commit()
            barrier.wait()
            try:
                results.append(act_many(who, chunk, "approve", today=TODAY))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r.done) for r in results) == [20, 20] and not any(r.refused for r in results)
    with app.app_context():
        numbers = db.session.scalars(select(PracticeRegistration.certificate_no).join(
            Application, Application.registration_id == PracticeRegistration.id).where(Application.id.in_(ids))).all()
        serials = sorted(int(n[9:]) for n in numbers)
        assert serials == list(range(serials[0], serials[0] + 40))


def test_status_notice_subject_names_the_application(app):
    """The subject takes its parameters too (it used to read "您的申请%(number)s：%(status)s")."""
    with app.app_context():
        ids = prepare(2)
        act_many(reviewer(), ids[:1], "approve", today=TODAY)
        act(reviewer(), ids[1], "approve", today=TODAY)
        for application_id in ids:
            number = db.session.get(Application, application_id).number
            message = db.session.scalars(select(Message).where(Message.body.contains(number))).one()
            assert "%(" not in message.subject and number in message.subject and "准予注册" in message.subject


def test_queue_order_follows_the_deadline_the_page_shows(app):
    """Once accepted, the decision deadline counts (its old acceptance deadline no longer does)."""
    import datetime as dt

    from app.views.applications import queue_order

    with app.app_context():
        accepted, pending = prepare(2)
        db.session.execute(update(Application).where(Application.id == accepted).values(
            status="accepted", accept_due=dt.date(2026, 12, 1), decide_due=dt.date(2027, 1, 11)))
        db.session.execute(update(Application).where(Application.id == pending).values(
            accept_due=dt.date(2026, 12, 15)))
        order = db.session.scalars(select(Application.id).where(Application.id.in_([accepted, pending]))
                                   .order_by(*queue_order(["pending_acceptance", "accepted"]))).all()
        assert order == [pending, accepted]
