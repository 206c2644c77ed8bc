"""Physicians of an open window who have not filed are reminded 7 and 1 working days before it closes."""

from sqlalchemy import select, update

from app.domain.enums import AccountStatus
from app.extensions import db
from app.models import Physician, Qualification, RegistrationWindow
from app.reminders.physicians import due_physicians, threshold_for, working_days_left
from app.workflow.calendar import load_calendar
from app.workflow.commands import act, create_application
from tests.workflow.conftest import TODAY, actor, first_registration_data

from .conftest import D, physician, reminders, run, sent, window_names

DEC_22 = D(2026, 12, 22)  # Tue: 7 working days to Thu 31 Dec, when the demo's 2026 windows close


def _activate(name: str) -> None:
    physician(name).status = AccountStatus.ACTIVE
    db.session.commit()


def test_not_before_seven_working_days_then_each_threshold_once(ctx):
    assert run(D(2026, 12, 21)).tallies["window_closing"].sent == 0  # 8 working days left
    assert sent("reminder_window") == [] and reminders("window_closing") == []
    result = run(DEC_22)
    assert window_names() == {"李芳": "activate", "刘洋": "activate", "王强": "verify"}
    tally = result.tallies["window_closing"]
    assert (tally.sent, tally.messages, tally.unreachable, tally.already) == (3, 3, 0, 0)
    for day in (D(2026, 12, 23), D(2026, 12, 29)):  # 6 and 2 days left: the 7-day reminder is not repeated
        assert run(day).tallies["window_closing"].sent == 0
    assert run(D(2026, 12, 30)).tallies["window_closing"].sent == 3  # 1 working day left
    assert run(D(2026, 12, 31)).tallies["window_closing"].sent == 0
    keys = {r.key for r in reminders("window_closing")}
    assert {key.split("-")[1] for key in keys} == {"1", "7"} and len(keys) == 4  # Beijing's and Shanghai's
    assert len(sent("reminder_window")) == 6


def test_the_texts_name_the_closing_date_and_the_next_step(ctx):
    li = physician("李芳")
    li.phone_verified, li.email_verified = False, True  # reached by her verified e-mail instead
    db.session.commit()
    run(DEC_22)
    by_address = {m.recipient: m for m in sent("reminder_window")}
    li_message = by_address["li_fang@example.cn"]
    assert li_message.channel == "email" and li_message.subject == "首次注册即将截止"
    assert "北京市2026年度" in li_message.body and "2026年12月31日截止（还剩7个工作日）" in li_message.body
    assert "尚待北京朝阳示范医院激活" in li_message.body
    wang = physician("王强")
    assert not wang.phone_verified  # not verified yet: written to the phone the sign-up code went to
    wang_message = by_address[wang.phone]
    assert wang_message.channel == "sms" and "上海市" in wang_message.body and "验证手机号码或电子邮箱" in wang_message.body


def test_first_seen_on_the_last_day_gets_only_the_urgent_reminder(ctx):
    run(D(2026, 12, 31))  # the job did not run before: 0 working days left
    assert {r.key[-2:] for r in reminders("window_closing")} == {"-1"}
    assert all("今天是最后一天" in m.body for m in sent("reminder_window"))
    assert threshold_for(8) is None and threshold_for(7) == 7 and threshold_for(2) == 7 and threshold_for(1) == 1


def test_active_accounts_until_their_first_registration_is_submitted(li_fang):
    _activate("刘洋")
    application = create_application(actor("li_fang"), "first", first_registration_data(), submit=False, today=TODAY)
    run(DEC_22)
    assert window_names() == {"李芳": "submit", "刘洋": "submit", "王强": "verify"}  # a draft, nothing filed
    texts = {m.recipient: m.body for m in sent("reminder_window")}
    assert "尚未提交首次注册申请" in texts[li_fang.phone] and "草稿" in texts[li_fang.phone]

    act(actor("li_fang"), application.id, "submit", today=TODAY)
    act(actor("inst_admin"), application.id, "return", "请补充学历证书", today=TODAY)
    run(D(2026, 12, 30))
    one_day = {r.recipient_id: r.detail for r in reminders("window_closing") if r.key.endswith("-1")}
    assert one_day[li_fang.id] == "resubmit"  # returned by the institution: still not submitted
    assert "已被执业机构退回" in {m.recipient: m.body for m in sent("reminder_window")}[li_fang.phone]

    act(actor("li_fang"), application.id, "resubmit", today=TODAY)
    assert "李芳" not in due_names("110000", 2026)  # submitted again: nothing left to remind her of
    act(actor("inst_admin"), application.id, "confirm", today=TODAY)
    act(actor("reviewer_11"), application.id, "approve", today=TODAY)
    assert due_names("110000", 2026) == {"刘洋"}  # registered now; 刘洋 still has filed nothing


def test_submitted_decided_and_disabled_are_left_alone(ctx):
    # The demo's 2025 Beijing applicants hold first registrations in every state; reopen their window.
    db.session.execute(update(RegistrationWindow).where(
        RegistrationWindow.province_code == "110000", RegistrationWindow.cohort_year == 2025,
    ).values(opens_on=D(2026, 10, 1), closes_on=D(2026, 12, 31)))
    db.session.commit()
    run(DEC_22)
    names = window_names()
    # draft, returned and withdrawn are not submitted; 陈杰's account is disabled; the rest have filed
    assert {n: d for n, d in names.items() if n not in ("李芳", "刘洋", "王强")} == {
        "黄磊": "submit", "郑爽": "resubmit", "林悦": "submit"}
    for filed in ("周敏", "吴昊", "冯涛", "何静", "许诺", "韩雪", "曹阳", "彭博", "陈杰", "马骏"):
        assert filed not in names


def test_only_the_window_of_the_qualifications_province_and_cohort(windows):
    windows(p110000=D(2026, 12, 10))  # Beijing closes earlier: 7 working days after Tue 1 Dec
    run(D(2026, 12, 1))
    assert set(window_names()) == {"李芳", "刘洋"}  # 王强's Shanghai window still has 22 working days
    wang = physician("王强")
    db.session.execute(update(Qualification).where(Qualification.id_number == wang.id_number)
                       .values(province_code="110000"))  # his qualification is from Beijing after all
    db.session.commit()
    run(D(2026, 12, 1))
    assert set(window_names()) == {"李芳", "刘洋", "王强"}
    db.session.execute(update(Qualification).where(Qualification.id_number == wang.id_number)
                       .values(province_code="310000", exam_year=2025))  # another cohort: another window
    db.session.commit()
    assert "王强" not in due_names("310000", 2026)


def _window(province: str, cohort: int) -> RegistrationWindow:
    return db.session.scalar(select(RegistrationWindow).where(
        RegistrationWindow.province_code == province, RegistrationWindow.cohort_year == cohort))


def due_names(province: str, cohort: int) -> set[str]:
    """Return who the window's selection finds due for a reminder not sent yet."""
    return {physician_name(i) for i in db.session.scalars(due_physicians(_window(province, cohort), "probe"))}


def physician_name(physician_id: int) -> str:
    return db.session.scalar(select(Physician.name).where(Physician.id == physician_id))


def test_closed_and_not_yet_open_windows_remind_nobody(windows):
    windows(p110000=D(2026, 12, 18), p310000=D(2026, 12, 21))  # both closed by the 22nd
    assert run(DEC_22).tallies["window_closing"].sent == 0
    db.session.execute(update(RegistrationWindow).where(RegistrationWindow.cohort_year == 2026)
                       .values(opens_on=D(2026, 12, 28), closes_on=D(2026, 12, 31)))
    db.session.commit()
    assert run(DEC_22).tallies["window_closing"].sent == 0  # opens on the 28th
    assert reminders("window_closing") == []


def test_accounts_without_any_contact_are_counted_not_recorded(ctx):
    liu = physician("刘洋")
    liu.phone_verified = False  # verified by a code once, now neither contact is verified
    db.session.commit()
    tally = run(DEC_22).tallies["window_closing"]
    assert (tally.sent, tally.unreachable) == (2, 1) and "刘洋" not in window_names()


def test_days_left_read_only_as_far_as_needed(ctx):
    calendar = load_calendar(db.session, D(2026, 11, 1), D(2027, 3, 31))
    # 2027 is unknown to the calendar, but a window closing in March 2027 is weeks of 2026 working days away
    assert working_days_left(calendar, D(2026, 12, 1), D(2027, 3, 31)) == 8
    assert working_days_left(calendar, DEC_22, D(2026, 12, 31)) == 7
