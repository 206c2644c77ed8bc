"""The browsable security audit log: scoped, read-only, newest first, filterable, exportable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.accounts import activation
from app.extensions import db
from app.models import Physician, RegistryUser, SecurityEvent
from app.views.audit import EVENT_LABELS, event_label
from tests.conftest import PASSWORD, login

LIST = "/securityeventview/list/"
EXPORT = "/securityeventview/export/"


@pytest.fixture
def events(app):
    """Issue a code to 李芳 (institution 1) and one to 刘洋 (institution 2) through the commands."""
    with app.test_request_context():
        inst_admin = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "inst_admin"))
        li_fang = db.session.scalar(select(Physician).where(Physician.name == "李芳"))
        liu_yang = db.session.scalar(select(Physician).where(Physician.name == "刘洋"))
        activation.issue_activation_codes(li_fang.institution_id, [li_fang.id], "sms", inst_admin.id, "10.0.0.7")
        activation.issue_activation_codes(liu_yang.institution_id, [liu_yang.id], "sms", None, "10.0.0.8")
        activation.revoke_activation_codes(li_fang.institution_id, [li_fang.id], actor_id=inst_admin.id)
        ids = {
            e.event + "@" + e.physician.name: e.id
            for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.physician_id.is_not(None)))
        }
    return ids


def _client_as(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _labels(app) -> dict[str, str]:
    """Return the label cell of every event as the list shows it (the search form has them too, escaped)."""
    with app.test_request_context():
        return {name: f"<td>{event_label(name)}</td>" for name in EVENT_LABELS}


def test_institution_admin_sees_own_institutions_events(app, events):
    body = _client_as(app, "inst_admin").get(LIST).get_data(as_text=True)
    labels = _labels(app)
    assert "李芳" in body and "10.0.0.7" in body
    assert labels["activation_code_issued"] in body and labels["activation_code_revoked"] in body
    assert "刘洋" not in body  # institution 2


def test_reviewer_sees_the_jurisdiction_and_not_other_provinces(app, events):
    body = _client_as(app, "reviewer_11").get(LIST).get_data(as_text=True)
    assert "李芳" in body and "刘洋" in body  # both institutions are in 北京

    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.add_user("reviewer_31", "上海市卫健委审核员", "", "r31@example.cn",
                           sm.find_role("CommissionReviewer"), password=PASSWORD)
        user.jurisdiction_code = "310000"
        db.session.commit()
    shanghai = _client_as(app, "reviewer_31")
    page = shanghai.get(LIST)
    assert page.status_code == 200
    assert "李芳" not in page.get_data(as_text=True) and "刘洋" not in page.get_data(as_text=True)
    assert shanghai.get(f"/securityeventview/show/{events['activation_code_issued@李芳']}").status_code == 404
    assert "李芳" not in shanghai.get(EXPORT).get_data(as_text=True)


def test_physician_is_refused(app, events):
    client = _client_as(app, "physician")
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_log_is_read_only(app, events):
    client = _client_as(app, "admin")
    event_id = events["activation_code_issued@李芳"]
    assert client.get(f"/securityeventview/show/{event_id}").status_code == 200
    for url in (f"/securityeventview/edit/{event_id}", "/securityeventview/add"):
        assert client.get(url).status_code in (403, 404)  # no such permission, even for Admin
    assert client.post(f"/securityeventview/delete/{event_id}").status_code in (400, 404, 405)
    with app.app_context():
        assert db.session.get(SecurityEvent, event_id) is not None


def test_newest_first_and_filters(app, events):
    with app.app_context():
        old = db.session.get(SecurityEvent, events["activation_code_issued@李芳"])
        old.created_at = dt.datetime(2020, 12, 31, 17, 0)  # UTC: 2021-01-01 01:00 in Beijing
        db.session.commit()
    client = _client_as(app, "inst_admin")
    labels = _labels(app)
    body = client.get(LIST).get_data(as_text=True)
    assert body.index(labels["activation_code_revoked"]) < body.index(labels["activation_code_issued"])

    only_issued = client.get(LIST + "?_flt_0_event=activation_code_issued").get_data(as_text=True)
    assert labels["activation_code_issued"] in only_issued and labels["activation_code_revoked"] not in only_issued

    by_name = client.get(LIST + "?_flt_0_physician=李").get_data(as_text=True)
    assert "李芳" in by_name
    nobody = client.get(LIST + "?_flt_0_physician=王").get_data(as_text=True)
    assert "李芳" not in nobody

    assert ">2021-01-01 01:00<" in body  # shown in Beijing time, to the minute
    since = client.get(LIST + "?_flt_0_created_at=2021-01-02").get_data(as_text=True)
    assert labels["activation_code_revoked"] in since and labels["activation_code_issued"] not in since
    same_day = client.get(LIST + "?_flt_0_created_at=2021-01-01").get_data(as_text=True)
    assert labels["activation_code_issued"] in same_day  # the Beijing day, not the UTC day
    before = client.get(LIST + "?_flt_1_created_at=2021-01-02").get_data(as_text=True)
    assert labels["activation_code_issued"] in before and labels["activation_code_revoked"] not in before


def test_export_is_scoped_and_translated(app, events):
    response = _client_as(app, "inst_admin").get(EXPORT)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    with app.test_request_context():
        issued = event_label("activation_code_issued")
    assert "李芳" in text and issued in text
    assert "刘洋" not in text
    assert "activation_code_issued" not in text


def test_logins_and_failed_logins_are_logged(app):
    physician = app.test_client()
    login(physician, "li_fang", "wrong-password")  # FAB answers with a redirect back to the form
    staff = _client_as(app, "inst_admin")
    labels = _labels(app)
    failed = staff.get(LIST + "?_flt_0_event=login_failed").get_data(as_text=True)
    assert labels["login_failed"] in failed and "李芳" in failed
    logins = staff.get(LIST + "?_flt_0_event=login").get_data(as_text=True)
    assert labels["login"] in logins and "inst_admin" in logins
