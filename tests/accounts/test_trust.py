"""Accounts a real user can trust (issue 6 items 1-4 and 16): profile, password, /me/, 自动激活."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.accounts import activation, recovery
from app.accounts.errors import AccountError
from app.domain.enums import AccountStatus, Channel
from app.extensions import db
from app.models import ActivationCode, Institution, Message, Physician, RegistryUser, SecurityEvent
from tests.conftest import PASSWORD, csrf_token


def _physician(app, username: str) -> Physician:
    with app.app_context():
        row = db.session.scalar(select(Physician).join(RegistryUser, RegistryUser.id == Physician.user_id)
                                .where(RegistryUser.username == username))
        db.session.expunge(row)
        return row


def _user(app, username: str) -> RegistryUser:
    with app.app_context():
        row = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        db.session.expunge(row)
        return row


def _events(app, event: str, **where) -> list[SecurityEvent]:
    with app.app_context():
        statement = select(SecurityEvent).where(SecurityEvent.event == event)
        for column, value in where.items():
            statement = statement.where(getattr(SecurityEvent, column) == value)
        return list(db.session.scalars(statement))


def _messages(app, recipient: str, template: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message).where(
            Message.recipient == recipient, Message.template == template))


# --- item 1: FAB's own profile and password pages --------------------------------------------------


def test_fab_profile_pages_lead_to_our_settings(as_user):
    client = as_user("physician")
    assert client.get("/users/userinfo/").location.endswith("/me/security/")
    assert client.get("/userinfoeditview/form").location.endswith("/me/security/")
    client.get("/logout/")
    staff = as_user("inst_admin")
    assert staff.get("/users/userinfo/").location.endswith("/resetmypassword/form")


def test_a_physician_cannot_rename_themselves(app, as_user):
    client = as_user("physician")
    before = _user(app, "physician")
    token = csrf_token(client, "/resetmypassword/form")
    response = client.post("/userinfoeditview/form", data={"first_name": "冒名", "last_name": "顶替", "csrf_token": token})
    assert response.status_code == 302
    after = _user(app, "physician")
    assert (after.first_name, after.last_name) == (before.first_name, before.last_name)
    assert _physician(app, "physician").name == "张明"


def test_fab_password_form_needs_the_current_password(app, as_user):
    client = as_user("inst_admin")
    page = client.get("/resetmypassword/form").get_data(as_text=True)
    assert 'name="old"' in page and "inst_admin" in page
    token = csrf_token(client, "/resetmypassword/form")
    before = _user(app, "inst_admin").password
    # FAB's form had no current password: the same post is refused now
    response = client.post("/resetmypassword/form", data={"password": "Newpass12!", "conf_password": "Newpass12!",
                                                          "csrf_token": token})
    assert response.status_code == 400 and _user(app, "inst_admin").password == before
    response = client.post("/resetmypassword/form", data={"old": "Wrong#1234", "password": "Newpass12!",
                                                          "password2": "Newpass12!", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-error="password_wrong"' in page and "<title>错误：" in page
    user = _user(app, "inst_admin")
    assert user.password == before and _events(app, "password_change_failed", user_id=user.id)

    response = client.post("/resetmypassword/form", data={"old": PASSWORD, "password": "Newpass12!",
                                                          "password2": "Newpass12!", "csrf_token": token})
    assert response.status_code == 302
    assert check_password_hash(_user(app, "inst_admin").password, "Newpass12!")
    assert _events(app, "password_changed", user_id=user.id)
    assert _messages(app, user.email, "password_changed") == 1  # staff are told at their e-mail


# --- item 2: same password, notice to the old contact ----------------------------------------------


def test_the_new_password_must_differ_from_the_current_one(app):
    with app.test_request_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        try:
            recovery.change_password(physician, PASSWORD, PASSWORD, PASSWORD)
        except AccountError as refusal:
            assert refusal.code == "password_same" and "不能与当前密码相同" in refusal.message
        else:
            raise AssertionError("the same password was accepted")
        assert not db.session.scalar(select(func.count()).select_from(SecurityEvent)
                                     .where(SecurityEvent.event == "password_changed"))


def test_changing_the_phone_tells_the_old_number(app):
    with app.test_request_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        old = physician.phone
        recovery.start_contact_change(physician, Channel.SMS, "13977778888")
        body = db.session.scalars(select(Message.body).where(Message.recipient == "13977778888")).one()
        code = "".join(ch for ch in body if ch.isdigit())[:6]
        recovery.confirm_contact_change(physician, Channel.SMS, "13977778888", code)
        notice = db.session.scalars(select(Message).where(Message.recipient == old)).all()
        assert [m.template for m in notice] == ["phone_changed"]
        assert "139****8888" in notice[0].body and "手机号码" in notice[0].body


# --- item 3: /me/ belongs to physicians --------------------------------------------------------------


def test_staff_have_no_personal_home(app, as_user):
    with app.app_context():
        names = db.session.scalars(select(Physician.name)).all()
    for username in ("admin", "reviewer", "inst_admin"):
        client = as_user(username)
        response = client.get("/me/")
        assert response.status_code in (302, 403), username  # admin is redirected, the others lack the right
        assert response.status_code == 403 or not response.location.endswith("/me/")
        body = client.get("/me/", follow_redirects=True).get_data(as_text=True)
        assert not any(f"<dd>{name}</dd>" in body for name in names) and 'id="qualifications"' not in body
        security = client.get("/me/security/")
        assert security.status_code == 403 or security.location.endswith("/resetmypassword/form")
        assert client.get("/users/userinfo/").location.endswith("/resetmypassword/form")
        client.get("/logout/")


# --- item 4: 自动激活 for accounts already waiting, contact phone, change of institution ------------


def test_switching_auto_activation_on_activates_the_waiting(app, as_user):
    waiting = _physician(app, "li_fang")
    assert waiting.status == AccountStatus.VERIFIED and waiting.institution_id == 1
    client = as_user("inst_admin")
    token = csrf_token(client, "/myinstitutionview/edit/1")
    response = client.post("/myinstitutionview/edit/1", data={
        "address": "北京市朝阳区示范路1号", "phone": "010-12345678", "auto_activate": "y", "csrf_token": token})
    assert response.status_code == 302
    assert _physician(app, "li_fang").status == AccountStatus.ACTIVE
    assert [e.detail for e in _events(app, "account_activated", physician_id=waiting.id)] == ["auto"]
    assert _messages(app, waiting.phone, "account_activated") == 1


def test_refreshing_the_waiting_page_activates_when_auto_is_on(app, as_user):
    assert _physician(app, "liu_yang").status == AccountStatus.VERIFIED  # the seed's promise
    client = as_user("liu_yang")
    response = client.get("/signup/activate")
    assert response.status_code == 302 and response.location.endswith("/me/")
    assert _physician(app, "liu_yang").status == AccountStatus.ACTIVE
    home = client.get("/me/").get_data(as_text=True)
    assert 'id="welcome"' in home and "liu_yang" in home


def test_waiting_page_shows_the_institution_phone_and_allows_a_change(app, as_user):
    li_fang = _physician(app, "li_fang")
    with app.test_request_context():
        activation.issue_activation_codes(1, [li_fang.id], Channel.SMS)
        phone = db.session.get(Institution, 1).phone
    client = as_user("li_fang")
    page = client.get("/signup/activate").get_data(as_text=True)
    assert phone and phone in page and 'id="institution-phone"' in page and "li_fang" in page
    token = csrf_token(client, "/signup/activate")
    refused = client.post("/signup/institution", data={"institution_id": "3", "csrf_token": token})
    assert 'data-error="institution_military"' in refused.get_data(as_text=True)
    assert _physician(app, "li_fang").institution_id == 1

    response = client.post("/signup/institution", data={"institution_id": "4", "csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/signup/activate")
    moved = _physician(app, "li_fang")
    assert moved.institution_id == 4 and moved.status == AccountStatus.VERIFIED
    with app.app_context():
        assert moved.region_code == db.session.get(Institution, 4).region_code
        open_codes = db.session.scalar(select(func.count()).select_from(ActivationCode).where(
            ActivationCode.physician_id == li_fang.id, ActivationCode.revoked_at.is_(None)))
    assert open_codes == 0
    assert [e.detail for e in _events(app, "institution_changed", physician_id=li_fang.id)] == ["1->4"]


def test_an_active_physician_cannot_change_institution(app):
    with app.test_request_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        try:
            activation.change_institution(physician, 2)
        except AccountError as refusal:
            assert refusal.code == "already_active"
        else:
            raise AssertionError("an active physician moved institution")


# --- item 16: 个人中心 with labelled fields and a real next step -------------------------------------


def test_home_shows_labelled_records_and_a_next_step(app, as_user):
    page = as_user("physician").get("/me/").get_data(as_text=True)
    for label in ("资格证书编码", "级别", "类别", "年份", "执业证书编码", "执业地点", "范围", "状态", "注册日期",
                  "学历", "毕业院校", "职称", "科室", "首都医科大学", "住院医师"):
        assert label in page, label
    assert "执业医师" in page and "临床" in page and "有效" in page
    assert "active" not in page.split('id="next-step"')[1] and "clinical" not in page
    next_step = page.split('id="next-step"')[1].split('id="account"')[0]
    assert "执业注册有效" in next_step and "定期考核" in next_step and "<a " not in next_step


def test_the_assessment_cycle_is_the_one_containing_today(app):
    import datetime as dt
    from types import SimpleNamespace

    from app.accounts.progress import assessment_cycle_end

    registration = SimpleNamespace(status="active", registered_on=dt.date(2020, 12, 10))
    first = SimpleNamespace(kind="periodic", cycle_end=dt.date(2023, 12, 9))
    with app.app_context():
        assert assessment_cycle_end(registration, [], dt.date(2021, 1, 1)) == dt.date(2023, 12, 9)
        assert assessment_cycle_end(registration, [first], dt.date(2026, 11, 29)) == dt.date(2026, 12, 9)
        assert assessment_cycle_end(registration, [first], dt.date(2026, 12, 10)) == dt.date(2029, 12, 9)
        assert assessment_cycle_end(SimpleNamespace(status="cancelled"), [first]) is None
