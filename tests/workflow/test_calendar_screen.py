"""The working-day calendar screen: national reviewers complete a year; deadlines then use it."""

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models import WorkdayEntry, WorkdayYear
from app.workflow.calendar import load_calendar

from ..conftest import csrf_token


def test_national_reviewer_enters_a_year(app, as_user):
    client = as_user("reviewer")
    token = csrf_token(client, "/workdayentryview/add")
    response = client.post("/workdayentryview/add", data={
        "csrf_token": token, "day": "2027-01-01", "note": "元旦"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    client.post("/workdayyearview/add", data={"csrf_token": token, "year": "2027", "source": "国务院办公厅通知"})
    assert "2027-01-01" in client.get("/workdayentryview/list/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(WorkdayYear.year)) == 2027
        calendar = load_calendar(db.session, dt.date(2026, 12, 1), dt.date(2027, 2, 1))
        assert calendar.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)


def test_provincial_reviewer_cannot_change_the_calendar(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, "/workdayentryview/add")
    page = client.post("/workdayentryview/add", data={"csrf_token": token, "day": "2027-01-01", "note": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "国家" in page or "全国" in page
    with app.app_context():
        assert db.session.scalar(select(WorkdayEntry.day)) is None
