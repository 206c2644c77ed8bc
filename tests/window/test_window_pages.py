"""The window pages: who sees which province, drill-down, unknown calendar years, reminders, the API."""

import datetime as dt
import re
from unittest import mock

from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, Message, Physician, RegistrationWindow, Reminder, SecurityEvent
from tests.conftest import PASSWORD, csrf_token

PROVINCE_ROW = re.compile(r'<th scope="row"><a href="/commission/window/(\d{6})/')


def _provinces(body: str) -> list[str]:
    return PROVINCE_ROW.findall(body)


def test_a_provincial_reviewer_sees_only_the_province(as_user):
    client = as_user("reviewer_11")
    assert _provinces(client.get("/commission/window/?year=2025").get_data(as_text=True)) == ["110000"]
    assert client.get("/commission/window/110000/?year=2025").status_code == 200
    assert client.get("/commission/window/310000/?year=2025").status_code == 404
    assert client.get("/commission/window/110105/").status_code == 404  # a county is no province
    assert client.get("/commission/window/990000/").status_code == 404


def test_the_national_reviewer_sees_every_province(as_user):
    body = as_user("reviewer").get("/commission/window/?year=2025").get_data(as_text=True)
    provinces = _provinces(body)
    assert len(provinces) == 34 and {"110000", "310000", "440000"} <= set(provinces)
    assert 'role="img"' in body and "<title id=\"funnel-chart-t\">" in body


def test_others_may_not_open_the_commission_page(app, client):
    from tests.conftest import login

    for username in ("inst_admin", "physician"):
        client.get("/logout/")
        login(client, username)
        assert client.get("/commission/window/").status_code == 403
    client.get("/logout/")
    login(client, "reviewer")
    assert client.get("/institution/window/").status_code == 403


def test_the_default_year_is_the_newest_cohort_whose_window_opened(as_user):
    client = as_user("reviewer_11")
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2026, 11, 30)):
        assert 'value="2026" selected' in client.get("/commission/window/").get_data(as_text=True)
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2026, 9, 1)):
        assert 'value="2025" selected' in client.get("/commission/window/").get_data(as_text=True)


def test_a_year_no_calendar_knows_shows_a_note_not_an_error(app, as_user):
    with app.app_context():
        db.session.add(RegistrationWindow(year=2099, province_code="110000", cohort_year=2099,
                                          opens_on=dt.date(2099, 10, 1), closes_on=dt.date(2099, 12, 31)))
        db.session.commit()
    client = as_user("reviewer_11")
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2099, 11, 2)):
        response = client.get("/commission/window/?year=2099")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="calendar-note"' in body and "2099年日历未录入" in body


def test_drill_down_lists_the_institutions_and_links_the_numbers(as_user):
    client = as_user("reviewer_11")
    body = client.get("/commission/window/110000/?year=2025").get_data(as_text=True)
    table = body.split('id="institution-table"')[1]
    assert "北京朝阳示范医院" in table
    link = re.search(r'href="(/physicianview/list/\?[^"]*_flt_0_stage=4[^"]*)">([\d,]+)<', table)
    listed = client.get(link.group(1).replace("&amp;", "&") + "&psize_PhysicianView=100").get_data(as_text=True)
    assert len(set(re.findall(r'/physicianview/show/(\d+)"', listed))) == int(link.group(2).replace(",", ""))


def test_every_number_of_a_province_row_opens_the_list_of_as_many_people(as_user):
    client = as_user("reviewer_11")
    body = client.get("/commission/window/?year=2025").get_data(as_text=True)
    row = re.search(r'<tr>\s*<th scope="row"><a href="/commission/window/110000/\?year=2025">.*?</tr>', body, re.S).group(0)
    links = re.findall(r'<a href="(/(?:physician|qualification)view/list/\?[^"]*)">([\d,]+)</a>', row)
    assert len(links) == 7, "qualifications and the six stages after it"
    assert links[0][0].startswith("/qualificationview/list/?_flt_0_exam_year=2025&amp;_flt_0_province_code=110000")
    for href, number in links:
        kind = href.split("/")[1]
        listed = client.get(href.replace("&amp;", "&") + f"&psize_{'QualificationView' if kind.startswith('q') else 'PhysicianView'}=100")
        shown = set(re.findall(rf'/{kind}/show/(\d+)"', listed.get_data(as_text=True)))
        assert len(shown) == int(number.replace(",", "")), (href, number)


def test_an_institution_reminds_the_returned_once_a_day(app, as_user):
    client = as_user("inst_admin")
    page = client.get("/institution/window/?year=2025").get_data(as_text=True)
    waiting = int(re.search(r'id="waiting-returned">.*?class="count"[^>]*>([\d,]+)<', page, re.S).group(1))
    assert waiting == 2  # 郑爽 (returned) and 许诺 (correction)
    form = {"csrf_token": csrf_token(client, "/institution/window/?year=2025"), "year": "2025", "bucket": "returned"}
    done = client.post("/institution/window/remind", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已向2名医师发送提醒" in done
    again = client.post("/institution/window/remind", data=form, follow_redirects=True).get_data(as_text=True)
    assert "今天已发送过该提醒" in again
    with app.app_context():
        messages = db.session.scalars(select(Message).where(Message.template == "window_remind_returned")).all()
        events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "window_reminder")).all()
        phones = set(db.session.scalars(select(Physician.phone).where(Physician.name.in_(["郑爽", "许诺"]))))
    assert len(messages) == 2 and {m.recipient for m in messages} == phones
    assert "退回" in messages[0].body and "北京朝阳示范医院" in messages[0].body  # the Chinese template
    assert len(events) == 1 and events[0].detail == "2025|returned|2" and events[0].institution_id == 1


def test_the_institution_lists_behind_the_waiting_numbers_are_its_own(app, as_user):
    client = as_user("inst_admin")
    listed = client.get("/myphysicianview/list/?_flt_0_cohort=2025&_flt_0_waiting=returned").get_data(as_text=True)
    assert len(set(re.findall(r'/myphysicianview/show/(\d+)"', listed))) == 2
    with app.app_context():
        other = db.session.scalar(select(func.count()).select_from(Physician).where(Physician.institution_id != 1))
    assert other > 0


def _token(client, username: str) -> dict:
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db", "refresh": False})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_the_api_gives_the_window_eligibility_and_one_next_step(client):
    with mock.patch("app.api.window.today_in_beijing", return_value=dt.date(2026, 11, 30)):
        body = client.get("/api/v1/account/window", headers=_token(client, "li_fang")).get_json()
    assert body["province_code"] == "110000" and body["cohort_year"] == 2026
    assert body["window"]["state"] == "open" and body["window"]["closes_on"] == "2026-12-31"
    assert body["window"]["working_days_left"] > 0 and body["two_year_rule"] is False
    assert body["next_step"]["code"] == "await_activation" and body["next_step"]["message"]
    assert [m["code"] for m in body["missing"]] == ["account_not_active"]
    staff = client.get("/api/v1/account/window", headers=_token(client, "inst_admin"))
    assert staff.status_code == 403 and set(staff.get_json()) == {"code", "message", "params"}
    assert client.get("/api/v1/account/window").status_code == 401


def test_home_shows_the_window_and_the_next_step(as_user):
    page = as_user("zheng_shuang").get("/me/").get_data(as_text=True)
    assert 'id="my-window"' in page and 'data-step="revise_application"' in page
    assert "/me/applications/" in page.split('id="next-step"')[1].split('id="my-window"')[0]


def test_the_one_click_reminder_is_recorded_once_per_physician_and_stage_a_day(app, as_user):
    client = as_user("inst_admin")
    form = {"csrf_token": csrf_token(client, "/institution/window/?year=2025"), "year": "2025", "bucket": "returned"}
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2026, 11, 30)):
        client.post("/institution/window/remind", data=form)
    with app.app_context():
        records = db.session.scalars(select(Reminder).where(Reminder.kind == "institution_request")).all()
        waiting = set(db.session.scalars(select(Physician.id).where(Physician.name.in_(["郑爽", "许诺"]))))
        assert {r.recipient_id for r in records} == waiting and len(records) == 2
        assert {(r.recipient_type, r.key, r.detail, r.messages) for r in records} == {
            ("physician", "2026-11-30:returned", "2025|1", 1)}
        # someone newly returned the same day is reminded; those reminded already are not
        extra = db.session.scalar(select(Application).where(
            Application.institution_id == 1, Application.type == "first",
            Application.status == "pending_acceptance"))
        extra.status = "returned"
        db.session.commit()
        newcomer = extra.physician_id
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2026, 11, 30)):
        done = client.post("/institution/window/remind", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已向1名医师发送提醒" in done
    with mock.patch("app.views.window.today_in_beijing", return_value=dt.date(2026, 12, 1)):  # the next day: all again
        done = client.post("/institution/window/remind", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已向3名医师发送提醒" in done
    with app.app_context():
        records = db.session.scalars(select(Reminder).where(Reminder.kind == "institution_request")).all()
        messages = db.session.scalars(select(Message).where(Message.template == "window_remind_returned")).all()
    assert len(records) == len(messages) == 6 and newcomer in {r.recipient_id for r in records}
