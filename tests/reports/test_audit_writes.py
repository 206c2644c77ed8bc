"""Events the audit log must hold that were not written before: window edits, imports, unlocks."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import RegistrationWindow, SecurityEvent
from tests.conftest import csrf_token, login
from tests.scope_data import add_scope_data
from tests.test_import_qualifications import record, write_csv


def events(app, name: str) -> list[SecurityEvent]:
    with app.app_context():
        rows = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == name)).all()
        db.session.expunge_all()
        return rows


def test_window_edits_through_the_screen_are_audited_and_shown(app, as_user):
    client = as_user("reviewer_11")
    token = csrf_token(client, "/windowview/add")
    form = {"year": "2030", "province": "110000", "cohort_year": "2030", "opens_on": "2030-10-01",
            "closes_on": "2030-12-31", "note": "审计窗口", "csrf_token": token}
    client.post("/windowview/add", data=form)
    created = events(app, "window_created")
    assert len(created) == 1 and created[0].region_code == "110000" and created[0].actor_id is not None
    with app.app_context():
        window_id = db.session.scalar(select(RegistrationWindow.id).where(RegistrationWindow.note == "审计窗口"))
    client.post(f"/windowview/edit/{window_id}", data={**form, "closes_on": "2030-12-30"})
    changed = events(app, "window_changed")
    assert len(changed) == 1 and "2030-12-30" in changed[0].detail
    body = client.get("/audit/log/?event=window_changed").get_data(as_text=True)
    assert "注册窗口" in body.split("<tbody>")[1] and "reviewer_11" in body
    # refused edits write nothing
    client.post("/windowview/add", data={**form, "province": "310000", "note": "越权"})
    assert len(events(app, "window_created")) == 1


def test_window_edits_of_a_province_are_not_shown_to_another(app, make_app, as_user):
    add_scope_data(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/windowview/add")
    client.post("/windowview/add", data={"year": "2031", "province": "110000", "cohort_year": "2031",
                                         "opens_on": "2031-10-01", "closes_on": "2031-12-31", "csrf_token": token})
    assert len(events(app, "window_created")) == 1
    other = make_app().test_client()
    assert login(other, "reviewer_44").status_code == 302
    body = other.get("/audit/log/?event=window_created").get_data(as_text=True)
    assert "<tbody>" not in body


def test_import_is_audited(app, tmp_path, make_app):
    runner = app.test_cli_runner()
    path = write_csv(tmp_path / "q.csv", [record(1, "审计导入")], encoding="utf-8-sig")
    assert runner.invoke(args=["import-qualifications", str(path)]).exit_code == 0
    imported = events(app, "qualifications_imported")
    assert len(imported) == 1 and "q.csv" in imported[0].detail and "inserted 1" in imported[0].detail
    assert runner.invoke(args=["import-qualifications", str(path), "--dry-run"]).exit_code == 0
    assert len(events(app, "qualifications_imported")) == 1  # a dry run changes nothing
    client = make_app().test_client()
    assert login(client, "reviewer").status_code == 302
    body = client.get("/audit/log/?event=qualifications_imported").get_data(as_text=True)
    assert "资格" in body.split("<tbody>")[1]
