"""Workflow commands: the journey, the rules, the refusals, the events and the notices."""

import pytest
from sqlalchemy import func, select

from app.domain.enums import ApplicationStatus as S
from app.domain.enums import FilingStatus, RegistrationStatus
from app.extensions import db
from app.models import Application, ApplicationEvent, Filing, Message, PracticeRegistration
from app.workflow.commands import act, act_many, create_application
from app.workflow.errors import WorkflowError

from .conftest import TODAY, actor, first_registration_data, institution


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Application, ApplicationEvent, Message))


def refused(call, *args, **kwargs) -> WorkflowError:
    before = counts()
    with pytest.raises(WorkflowError) as error:
        call(*args, **kwargs)
    db.session.rollback()
    assert counts() == before, "a refused command must change nothing"
    return error.value


def test_first_registration_journey(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    assert application.status == S.SUBMITTED and application.number.startswith("A20261130")
    # the physician is told, and so is the institution's admin
    templates = db.session.scalars(select(Message.template).order_by(Message.id.desc()).limit(2)).all()
    assert set(templates) == {"application_status", "application_arrived"}

    act(actor("inst_admin"), application.id, "confirm", "情况属实，同意", today=TODAY)
    assert application.status == S.PENDING_ACCEPTANCE
    assert str(application.accept_due) == "2026-12-07"  # 5 working days after Mon 30 Nov
    act(actor("reviewer_11"), application.id, "accept", today=TODAY)
    assert str(application.decide_due) == "2026-12-28"  # 20 working days
    act(actor("reviewer_11"), application.id, "approve", today=TODAY)

    registration = db.session.get(PracticeRegistration, application.registration_id)
    assert registration.certificate_no.startswith("130110000") and len(registration.certificate_no) == 15
    assert registration.status == RegistrationStatus.ACTIVE and str(registration.registered_on) == "2026-11-30"
    assert [s.code for s in registration.scopes] == ["DEN01"]
    chain = [(e.action, e.from_status, e.to_status, e.actor_role) for e in application.events]
    assert chain == [
        ("create", None, "draft", "Physician"),
        ("submit", "draft", "submitted", "Physician"),
        ("confirm", "submitted", "pending_acceptance", "InstitutionAdmin"),
        ("accept", "pending_acceptance", "accepted", "CommissionReviewer"),
        ("approve", "accepted", "approved", "CommissionReviewer"),
    ]
    assert application.institution_opinion == "情况属实，同意"


def test_approve_straight_from_pending_records_two_events(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    act(actor("inst_admin"), application.id, "confirm", today=TODAY)
    act(actor("reviewer"), application.id, "approve", today=TODAY)
    assert [e.action for e in application.events][-2:] == ["accept", "approve"]
    assert application.accepted_at is not None and application.status == S.APPROVED


def test_second_decision_is_already_handled(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    act(actor("inst_admin"), application.id, "confirm", today=TODAY)
    act(actor("reviewer_11"), application.id, "approve", today=TODAY)
    error = refused(act, actor("reviewer"), application.id, "refuse", "材料不实", today=TODAY)
    assert error.code == "already_handled" and error.status == 409


def test_out_of_scope_actors_cannot_see_the_application(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    for user in ("physician",):  # another physician
        assert refused(act, actor(user), application.id, "withdraw", today=TODAY).code == "application_not_found"
    assert refused(act, actor("inst_admin"), application.id, "accept", today=TODAY).code == "action_not_allowed"


def test_return_needs_a_reason_and_resubmit_goes_back(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    assert refused(act, actor("inst_admin"), application.id, "return", " ", today=TODAY).code == "reason_required"
    act(actor("inst_admin"), application.id, "return", "照片不清晰", today=TODAY)
    assert application.status == S.RETURNED
    act(actor("li_fang"), application.id, "resubmit", today=TODAY)
    assert application.status == S.SUBMITTED


def test_rules_refuse_with_their_codes(li_fang):
    physician_actor = actor("li_fang")
    cases = {
        "location_wrong_level": first_registration_data(location_code="110105"),
        "institution_outside_location": first_registration_data(location_code="310000"),
        "institution_military": first_registration_data(institution_id=institution("解放军示范总医院").id),
        "scope_not_allowed": first_registration_data(scope_codes=["CLI01"]),
        "scope_none": first_registration_data(scope_codes=[]),
    }
    for code, data in cases.items():
        assert refused(create_application, physician_actor, "first", data, today=TODAY).code == code, code


def test_window_closed_for_the_current_cohort(li_fang):
    import datetime as dt

    error = refused(create_application, actor("li_fang"), "first", first_registration_data(), today=dt.date(2027, 1, 4))
    assert error.code == "window_closed"
    assert "2026-12-31" in error.message


def test_one_open_application(li_fang):
    create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    error = refused(create_application, actor("li_fang"), "first", first_registration_data(), today=TODAY)
    assert error.code == "one_open_application"


def test_filing_then_cancel_ends_the_filing(ctx):
    zhang = actor("physician")
    registration = db.session.scalar(
        select(PracticeRegistration).where(PracticeRegistration.physician_id == zhang.scope.physician_id))
    haidian = institution("北京海淀社区卫生服务中心")
    # the demo's filing at 海淀 was confirmed there: the 朝阳 admin cannot see it, the commission decides
    filing_application = db.session.scalar(select(Application).where(
        Application.physician_id == zhang.scope.physician_id, Application.type == "filing_add"))
    assert filing_application.status == S.PENDING_ACCEPTANCE
    assert refused(act, actor("inst_admin"), filing_application.id, "confirm", today=TODAY).code == "application_not_found"
    act(actor("reviewer_11"), filing_application.id, "approve", today=TODAY)
    filing = db.session.scalar(
        select(Filing).where(Filing.registration_id == registration.id, Filing.institution_id == haidian.id))
    assert filing.status == FilingStatus.ACTIVE and [s.code for s in filing.scopes] == ["CLN01"]
    # a second filing at the same institution is refused
    error = refused(create_application, zhang, "filing_add", {
        "institution_id": haidian.id, "scope_codes": ["CLN01"], "valid_from": "2026-12-01", "valid_to": "2027-11-30",
    }, today=TODAY)
    assert error.code == "filing_same_institution"

    cancel = create_application(zhang, "cancel", {"reason": "出国"}, today=TODAY)
    act(actor("inst_admin"), cancel.id, "confirm", today=TODAY)
    act(actor("reviewer_11"), cancel.id, "approve", today=TODAY)
    assert registration.status == RegistrationStatus.CANCELLED
    assert filing.status == FilingStatus.ENDED
    # a cancelled registration can no longer file a change
    error = refused(create_application, zhang, "change", {"scope_codes": ["CLN01"]}, today=TODAY)
    assert error.code == "registration_required"


def test_bulk_confirm_reports_each_row(li_fang):
    first = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    act(actor("inst_admin"), first.id, "confirm", today=TODAY)
    result = act_many(actor("reviewer_11"), [first.id, 999_999], "approve", today=TODAY)
    assert result.done == [first.number]
    assert list(result.refused) == ["999999"]
    assert first.status == S.APPROVED


def test_an_account_that_is_not_active_cannot_file(li_fang):
    li_fang.status = "verified"  # verified, but the institution has not activated it yet
    db.session.commit()
    error = refused(create_application, actor("li_fang"), "first", first_registration_data(), today=TODAY)
    assert error.code == "account_not_active"


def test_a_suspended_registration_files_no_change_or_filing_but_may_be_cancelled(ctx):
    zhang = actor("physician")
    pending = db.session.scalar(select(Application).where(
        Application.physician_id == zhang.scope.physician_id, Application.type == "filing_add"))
    act(actor("reviewer_11"), pending.id, "approve", today=TODAY)  # his open filing is decided first
    registration = db.session.scalar(
        select(PracticeRegistration).where(PracticeRegistration.physician_id == zhang.scope.physician_id))
    registration.status, registration.suspended_until = RegistrationStatus.SUSPENDED, TODAY.replace(year=2027)
    db.session.commit()
    assert refused(create_application, zhang, "change", {"scope_codes": ["CLN01"]}, today=TODAY).code == "registration_blocked"
    assert refused(create_application, zhang, "filing_add", {
        "institution_id": institution("北京海淀社区卫生服务中心").id, "scope_codes": ["CLN01"],
        "valid_from": "2026-12-01", "valid_to": "2027-11-30",
    }, today=TODAY).code == "registration_blocked"
    cancel = create_application(zhang, "cancel", {"reason": "出国"}, today=TODAY)
    assert cancel.status == S.SUBMITTED
