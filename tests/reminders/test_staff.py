"""Institutions with confirmations waiting over 3 working days; reviewers' daily digest of what is due."""

import datetime as dt

from flask import current_app
from sqlalchemy import select, update

from app.domain.clock import BEIJING
from app.extensions import db
from app.models import Application, ApplicationEvent, Institution, Physician, RegistryUser
from app.security.roles import COMMISSION_REVIEWER
from app.workflow.progress import calendar_for, deadline_of, waiting_days

from .conftest import D, reminders, run, sent

THU = D(2026, 12, 10)


def application_of(name: str, status: str | None = None) -> Application:
    statement = select(Application).join(Physician, Physician.id == Application.physician_id).where(
        Physician.name == name)
    if status:
        statement = statement.where(Application.status == status)
    return db.session.scalar(statement.order_by(Application.id.desc()))


def last_event_at(name: str, beijing_time: dt.datetime) -> Application:
    """Move every event of the physician's submitted application to a Beijing time (stored as UTC)."""
    application = application_of(name, "submitted")
    stored = beijing_time.replace(tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)
    db.session.execute(update(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                       .values(created_at=stored))
    db.session.commit()
    db.session.expire_all()
    return application


def test_institutions_reminded_once_a_day_past_three_working_days(ctx):
    waiting = last_event_at("周敏", dt.datetime(2026, 12, 6, 23, 59))  # Sunday: 4 working days by Thursday
    recent = last_event_at("吴昊", dt.datetime(2026, 12, 7, 0, 0))  # Monday: 3 working days, not more
    calendar = calendar_for(db.session, THU)
    assert (waiting_days(waiting, calendar, THU), waiting_days(recent, calendar, THU)) == (4, 3)

    tally = run(THU).tallies["confirmation_waiting"]
    assert (tally.sent, tally.messages) == (1, 1)
    [message] = sent("reminder_confirmation")
    assert message.recipient == "inst@example.cn" and message.channel == "email"
    assert "北京朝阳示范医院有1件申请等待确认已超过3个工作日（最早自2026年12月6日起）" in message.body
    [record] = reminders("confirmation_waiting")
    assert (record.recipient_type, record.recipient_id, record.key, record.detail) == (
        "institution", waiting.institution_id, "2026-12-10", "1")

    assert run(THU).tallies["confirmation_waiting"].sent == 0  # the same day again: nothing
    assert run(D(2026, 12, 11)).tallies["confirmation_waiting"].sent == 1  # the next day: both wait now
    assert "有2件申请" in sent("reminder_confirmation")[-1].body
    assert len(reminders("confirmation_waiting")) == 2


def test_institutions_without_waiting_items_or_admins(ctx):
    last_event_at("周敏", dt.datetime(2026, 12, 1, 9, 0))
    xuhui = db.session.scalar(select(Institution).where(Institution.name == "上海徐汇示范医院"))
    moved = last_event_at("吴昊", dt.datetime(2026, 12, 1, 9, 0))
    moved.institution_id = xuhui.id  # waiting at an institution whose only admin is disabled
    db.session.execute(update(RegistryUser).where(RegistryUser.institution_id == xuhui.id).values(active=False))
    db.session.commit()
    tally = run(THU).tallies["confirmation_waiting"]
    assert (tally.sent, tally.unreachable) == (1, 1)
    assert [m.recipient for m in sent("reminder_confirmation")] == ["inst@example.cn"]
    assert [r.recipient_id for r in reminders("confirmation_waiting")] != [xuhui.id]


def _reviewer(username: str, jurisdiction: str, active: bool = True) -> RegistryUser:
    sm = current_app.appbuilder.sm
    user = sm.add_user(username, username, "审核员", f"{username}@example.cn", sm.find_role(COMMISSION_REVIEWER),
                       password="Demo@12345")
    user.jurisdiction_code, user.active = jurisdiction, active
    db.session.commit()
    return user


def _due(name: str, status: str, due: dt.date, region: str | None = None) -> Application:
    application = application_of(name, status)
    if status == "pending_acceptance":
        application.accept_due = due
    else:
        application.decide_due = due
    application.region_code = region or application.region_code
    db.session.commit()
    return application


def test_reviewers_get_one_digest_a_day_of_their_jurisdiction(ctx):
    items = [
        _due("冯涛", "pending_acceptance", D(2026, 12, 9)),  # overdue (朝阳)
        _due("何静", "pending_acceptance", THU, "310104"),  # due today, moved to Shanghai
        _due("张明", "pending_acceptance", D(2026, 12, 11)),  # due by the next working day (海淀 filing)
        _due("马骏", "accepted", D(2026, 12, 14)),  # not due yet
        _due("韩雪", "accepted", D(2026, 12, 1)),  # overdue
    ]
    calendar = calendar_for(db.session, THU)
    assert [deadline_of(a, calendar, THU).left for a in items] == [-1, 0, 1, 2, -7]
    shanghai, guangdong = _reviewer("reviewer_31", "310000"), _reviewer("reviewer_44", "440000")
    chaoyang, retired = _reviewer("reviewer_cy", "110105"), _reviewer("reviewer_old", "000000", active=False)

    tally = run(THU).tallies["review_digest"]
    bodies = {m.recipient: m.body for m in sent("reminder_review")}
    assert set(bodies) == {"reviewer@example.cn", "reviewer11@example.cn", shanghai.email, chaoyang.email}
    assert (tally.sent, tally.messages) == (4, 4) and guangdong.email not in bodies and retired.email not in bodies
    assert "今日全国辖区内有2件申请已超过办理期限，另有2件将于2026年12月11日前到期（待受理3件，待审批1件）" in bodies[
        "reviewer@example.cn"]
    assert "今日北京市辖区内有2件申请已超过办理期限，另有1件将于2026年12月11日前到期（待受理2件，待审批1件）" in bodies[
        "reviewer11@example.cn"]
    assert "上海市辖区内有0件申请已超过办理期限，另有1件" in bodies[shanghai.email]
    assert "朝阳区辖区内有2件申请已超过办理期限，另有0件" in bodies[chaoyang.email]  # 冯涛, 韩雪; not 海淀
    records = {r.recipient_id: r.detail for r in reminders("review_digest")}
    assert records[shanghai.id] == "0/1" and {r.key for r in reminders("review_digest")} == {"2026-12-10"}

    assert run(THU).tallies["review_digest"].sent == 0  # twice a day: one digest
    assert len(sent("reminder_review")) == 4
