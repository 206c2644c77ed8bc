"""Window edits through the window screen: the rules of app.window.commands, and the audit record."""

import datetime as dt
from unittest import mock

from sqlalchemy import select

from app.extensions import db
from app.models import RegistrationWindow, SecurityEvent
from tests.conftest import csrf_token


def _window(app, province: str, cohort: int) -> RegistrationWindow | None:
    with app.app_context():
        return db.session.scalar(select(RegistrationWindow).where(
            RegistrationWindow.province_code == province, RegistrationWindow.cohort_year == cohort))


def _events(app, event: str) -> list[SecurityEvent]:
    with app.app_context():
        return db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == event)).all()


def _form(client, url: str, **values) -> dict:
    return {"year": "", "cohort_year": "", "opens_on": "", "closes_on": "", "note": "",
            "csrf_token": csrf_token(client, url), **values}


def test_a_new_window_closes_on_31_december_and_is_audited(app, as_user):
    client = as_user("reviewer_11")
    client.post("/windowview/add", data=_form(client, "/windowview/add", year="2030", province="110000",
                                               cohort_year="2030", opens_on="2030-10-08"))
    window = _window(app, "110000", 2030)
    assert window is not None and window.closes_on == dt.date(2030, 12, 31)
    [event] = _events(app, "window_created")
    assert event.region_code == "110000" and "2030-10-08 至 2030-12-31" in event.detail


def test_opening_after_closing_and_a_second_window_are_refused(app, as_user):
    client = as_user("reviewer_11")
    page = client.post("/windowview/add", data=_form(client, "/windowview/add", year="2030", province="110000",
                                                      cohort_year="2030", opens_on="2030-12-31", closes_on="2030-12-01"))
    assert "开放日期须早于截止日期" in page.get_data(as_text=True)
    page = client.post("/windowview/add", data=_form(client, "/windowview/add", year="2026", province="110000",
                                                      cohort_year="2026", opens_on="2026-12-01", closes_on="2027-01-31"))
    assert "与所填日期重叠" in page.get_data(as_text=True)
    assert _window(app, "110000", 2030) is None and not _events(app, "window_created")


def test_a_closed_window_changes_only_with_a_reason_which_is_recorded(app, as_user):
    client = as_user("reviewer_11")
    window = _window(app, "110000", 2025)  # closed on 2025-12-31
    url = f"/windowview/edit/{window.id}"
    values = {"year": "2025", "province": "110000", "cohort_year": "2025", "opens_on": "2025-10-01",
              "closes_on": "2026-01-15"}
    page = client.post(url, data=_form(client, url, **values))
    assert "修改时请填写原因" in page.get_data(as_text=True)
    assert _window(app, "110000", 2025).closes_on == dt.date(2025, 12, 31)
    client.post(url, data=_form(client, url, **values, change_reason="因系统故障延长补报"))
    assert _window(app, "110000", 2025).closes_on == dt.date(2026, 1, 15)
    [event] = _events(app, "window_changed")
    assert "原为 2025-10-01 至 2025-12-31" in event.detail and "因系统故障延长补报" in event.detail


def test_an_open_window_changes_without_a_reason(app, as_user):
    client = as_user("reviewer_11")
    window = _window(app, "110000", 2026)
    url = f"/windowview/edit/{window.id}"
    with mock.patch("app.views.commission.today_in_beijing", return_value=dt.date(2026, 11, 30)):
        client.post(url, data=_form(client, url, year="2026", province="110000", cohort_year="2026",
                                    opens_on="2026-10-01", closes_on="2026-12-25"))
    assert _window(app, "110000", 2026).closes_on == dt.date(2026, 12, 25)


def test_a_provincial_reviewer_cannot_change_another_provinces_window(app, as_user):
    client = as_user("reviewer_11")
    shanghai = _window(app, "310000", 2026)
    assert client.get(f"/windowview/edit/{shanghai.id}").status_code == 404
