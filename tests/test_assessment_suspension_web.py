"""考核不合格 → 暂停执业 on the assessment screens: reviewers suspend with the save, institutions cannot."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.domain.clock import today_in_beijing
from app.domain.enums import AssessmentKind, AssessmentResult, RegistrationStatus
from app.extensions import db
from app.models import Assessment, Message, Physician, PracticeRegistration
from app.workflow.measures import months_later
from tests.conftest import csrf_token
from tests.scope_data import add_scope_data


def zhang(app) -> dict:
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        registration = db.session.scalar(select(PracticeRegistration).where(PracticeRegistration.physician_id == physician.id))
        return {"id": physician.id, "id_number": physician.id_number, "registration": registration.id,
                "institution": registration.institution_id}


def registration_state(app, pk: int) -> tuple[str, dt.date | None]:
    with app.app_context():
        registration = db.session.get(PracticeRegistration, pk)
        return registration.status, registration.suspended_until


def count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Assessment.id)).where(*where))


def form(token: str, person: dict, result: str, until: str = "", note: str = "考核", **extra) -> dict:
    return {"physician_id_number": person["id_number"], "physician": str(person["id"]),
            "kind": AssessmentKind.PERIODIC.value, "cycle_start": "2023-12-01", "cycle_end": "2026-11-30",
            "result": result, "assessed_on": today_in_beijing().isoformat(), "institution": str(person["institution"]),
            "suspended_until": until, "note": note, "csrf_token": token, **extra}


def test_a_reviewer_records_a_failed_result_and_the_registration_is_suspended(app, as_user):
    person = zhang(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/assessmentview/add")
    response = client.post("/assessmentview/add", data=form(token, person, "failed", note="不合格待暂停"),
                           follow_redirects=True)
    default = months_later(today_in_beijing(), 3)
    assert f"暂停执业至 {default.isoformat()}" in response.get_data(as_text=True) or \
        default.isoformat() in response.get_data(as_text=True)
    assert registration_state(app, person["registration"]) == (RegistrationStatus.SUSPENDED, default)
    with app.app_context():
        assert db.session.scalar(select(Assessment.suspended_until).where(Assessment.note == "不合格待暂停")) == default
        assert db.session.scalar(select(func.count(Message.id)).where(Message.template == "registration_suspended")) == 1
    show = client.get(f"/registrationview/show/{person['registration']}").get_data(as_text=True)
    assert f"暂停执业至 {default.isoformat()}" in show and 'id="cancel-ex-officio"' in show  # still cancellable
    physician = app.test_client()
    from tests.conftest import login

    login(physician, "physician")
    home = physician.get("/me/").get_data(as_text=True)
    assert f"暂停执业至 {default.isoformat()}" in home


@pytest.mark.parametrize("until", ["2020-01-01", "today", "7months"])
def test_an_end_date_outside_three_to_six_months_is_refused_with_nothing_saved(app, as_user, until):
    person = zhang(app)
    today = today_in_beijing()
    until = {"today": today.isoformat(), "7months": months_later(today, 7).isoformat()}.get(until, until)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/assessmentview/add")
    page = client.post("/assessmentview/add", data=form(token, person, "failed", until, note="过期")).get_data(as_text=True)
    assert "3 至 6 个月" in page or "3至6个月" in page or months_later(today, 3).isoformat() in page
    assert count(app, Assessment.note == "过期") == 0
    assert registration_state(app, person["registration"]) == (RegistrationStatus.ACTIVE, None)


def test_a_reviewer_correcting_failed_to_passed_ends_the_suspension(app, as_user):
    person = zhang(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/assessmentview/add")
    client.post("/assessmentview/add", data=form(token, person, "failed", note="待更正"))
    with app.app_context():
        pk = db.session.scalar(select(Assessment.id).where(Assessment.note == "待更正"))
        until = db.session.get(Assessment, pk).suspended_until.isoformat()
    edit = form(token, person, "failed", until, note="只改说明")
    client.post(f"/assessmentview/edit/{pk}", data=edit)
    assert registration_state(app, person["registration"])[0] == RegistrationStatus.SUSPENDED
    client.post(f"/assessmentview/edit/{pk}", data={**edit, "result": "passed", "suspended_until": ""})
    assert registration_state(app, person["registration"]) == (RegistrationStatus.ACTIVE, None)
    with app.app_context():
        assert db.session.get(Assessment, pk).suspended_until is None


def test_deleting_a_failed_result_ends_its_suspension(app, as_user):
    person = zhang(app)
    client = as_user("reviewer_11")
    token = csrf_token(client, "/assessmentview/add")
    client.post("/assessmentview/add", data=form(token, person, "failed", note="将删除"))
    with app.app_context():
        pk = db.session.scalar(select(Assessment.id).where(Assessment.note == "将删除"))
    client.post(f"/assessmentview/delete/{pk}", data={"csrf_token": token})
    assert count(app, Assessment.id == pk) == 0
    assert registration_state(app, person["registration"]) == (RegistrationStatus.ACTIVE, None)


def test_an_institution_admin_records_other_results_but_never_a_failed_one(app, as_user):
    person = zhang(app)
    client = as_user("inst_admin")
    token = csrf_token(client, "/myassessmentview/add")
    page = client.post("/myassessmentview/add", data=form(token, person, "failed", months_later(today_in_beijing(), 4).isoformat(),
                                                          note="机构不合格")).get_data(as_text=True)
    assert "由卫生健康委录入" in page
    assert count(app, Assessment.note == "机构不合格") == 0
    assert registration_state(app, person["registration"]) == (RegistrationStatus.ACTIVE, None)
    client.post("/myassessmentview/add", data=form(token, person, "passed", "2027-03-01", note="机构合格"))
    with app.app_context():
        passed = db.session.scalar(select(Assessment).where(Assessment.note == "机构合格"))
        assert passed.result == AssessmentResult.PASSED and passed.suspended_until is None  # the date is not theirs
    # a failed result entered by the commission cannot be changed by the institution
    reviewer = app.test_client()
    from tests.conftest import login

    login(reviewer, "reviewer_11")
    reviewer_token = csrf_token(reviewer, "/assessmentview/add")
    reviewer.post("/assessmentview/add", data=form(reviewer_token, person, "failed", note="委录不合格"))
    with app.app_context():
        pk = db.session.scalar(select(Assessment.id).where(Assessment.note == "委录不合格"))
    client.post(f"/myassessmentview/edit/{pk}", data=form(token, person, "passed", note="机构改合格"))
    assert count(app, Assessment.note == "机构改合格") == 0
    assert registration_state(app, person["registration"])[0] == RegistrationStatus.SUSPENDED


def test_a_reviewer_of_another_province_cannot_suspend(app, as_user):
    add_scope_data(app)
    person = zhang(app)
    client = as_user("reviewer_44")
    token = csrf_token(client, "/assessmentview/add")
    client.post("/assessmentview/add", data=form(token, person, "failed", note="越权不合格"))
    assert count(app, Assessment.note == "越权不合格") == 0
    assert registration_state(app, person["registration"]) == (RegistrationStatus.ACTIVE, None)
