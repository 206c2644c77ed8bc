"""Ex-officio cancellation, suspension for a failed assessment and the daily lift of due suspensions."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.domain.enums import (
    ApplicationType,
    AssessmentKind,
    AssessmentResult,
    FilingStatus,
    RegistrationStatus,
)
from app.extensions import db
from app.models import Application, Assessment, Filing, Message, PracticeRegistration, SecurityEvent
from app.workflow.commands import act, unit_of_work
from app.workflow.errors import WorkflowError
from app.workflow.measures import apply_assessment, cancel_registration, lift_due_suspensions
from app.workflow.reasons import CANCELLATION_GROUNDS, compose_reason
from tests.scope_data import add_scope_data

from .conftest import actor

D = dt.date
TODAY = D(2026, 11, 30)
ASSESSED = D(2026, 11, 20)


def zhang_registration() -> PracticeRegistration:
    return db.session.scalar(select(PracticeRegistration).where(
        PracticeRegistration.physician_id == actor("physician").scope.physician_id))


def messages(template: str) -> list[Message]:
    return db.session.scalars(select(Message).where(Message.template == template)).all()


def events(name: str) -> list[SecurityEvent]:
    return db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == name)).all()


def refused(code: str, call, *args, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as error:
        call(*args, **kwargs)
    assert error.value.code == code, error.value
    return error.value


def test_article_17_has_the_six_cases_of_the_2021_law():
    assert list(CANCELLATION_GROUNDS) == ["death", "criminal", "revoked", "assessment", "inactive", "other"]


def test_cancel_refusals(app):
    add_scope_data(app)
    with app.app_context():
        registration = zhang_registration()
        reviewer = actor("reviewer_11")
        refused("cancellation_ground_required", cancel_registration, reviewer, registration.id, [], "经核实")
        refused("cancellation_ground_unknown", cancel_registration, reviewer, registration.id, ["health"], None)
        refused("cancellation_note_required", cancel_registration, reviewer, registration.id, ["other"], " ")
        refused("cancellation_note_too_long", cancel_registration, reviewer, registration.id, ["death"], "字" * 201)
        assert refused("measure_not_allowed", cancel_registration, actor("inst_admin"), registration.id,
                       ["death"], None).status == 403
        refused("measure_not_allowed", cancel_registration, actor("physician"), registration.id, ["death"], None)
        refused("measure_not_allowed", cancel_registration, actor("admin"), registration.id, ["death"], None)
        # a reviewer of another province does not even see it
        assert refused("registration_not_found", cancel_registration, actor("reviewer_44"), registration.id,
                       ["death"], None).status == 404
        db.session.expire_all()
        assert zhang_registration().status == RegistrationStatus.ACTIVE
        assert not events("registration_cancelled") and not messages("registration_cancelled")
        cancel_registration(reviewer, registration.id, ["death"], None, today=TODAY)
        assert refused("registration_already_cancelled", cancel_registration, actor("reviewer"), registration.id,
                       ["criminal"], None).status == 409


def test_cancel_ends_filings_audits_and_notifies(ctx):
    registration = zhang_registration()
    db.session.add(Filing(registration_id=registration.id, institution_id=2, valid_from=D(2026, 1, 1),
                          valid_to=D(2027, 1, 1), status=FilingStatus.ACTIVE))
    db.session.commit()
    cancel_registration(actor("reviewer_11"), registration.id, ["revoked", "criminal"], " 京卫罚〔2026〕12号 ",
                        today=TODAY)
    db.session.expire_all()
    registration = zhang_registration()
    assert registration.status == RegistrationStatus.CANCELLED and registration.suspended_until is None
    # the grounds in the law's order, then the explanation
    assert registration.cancel_reason.startswith("1. ") and registration.cancel_reason.index("刑事") < \
        registration.cancel_reason.index("吊销")
    assert registration.cancel_reason.endswith("3. 京卫罚〔2026〕12号")
    assert all(f.status == FilingStatus.ENDED and f.valid_to <= TODAY for f in registration.filings)
    [event] = events("registration_cancelled")
    assert event.actor_id == actor("reviewer_11").user_id and registration.certificate_no in event.detail
    [to_physician] = messages("registration_cancelled")
    assert registration.certificate_no in to_physician.body and "2026年11月30日" in to_physician.body
    assert "受刑事处罚" in to_physician.body
    to_institutions = messages("registration_cancelled_institution")
    assert to_institutions and all("张明" in m.body for m in to_institutions)


def test_a_cancelled_registration_cannot_get_an_open_application_approved(ctx):
    registration = zhang_registration()
    filing = db.session.scalar(select(Application).where(
        Application.registration_id == registration.id, Application.type == ApplicationType.FILING_ADD))
    assert filing.status == "pending_acceptance"
    cancel_registration(actor("reviewer_11"), registration.id, ["death"], None, today=TODAY)
    refused("registration_not_active", act, actor("reviewer_11"), filing.id, "approve", today=TODAY)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Filing.id)).where(
        Filing.registration_id == registration.id, Filing.status == FilingStatus.ACTIVE)) == 0
    act(actor("reviewer_11"), filing.id, "not_accept", "执业注册已依职权注销。", today=TODAY)


def failed(registration: PracticeRegistration, until: D | None, assessed_on: D = ASSESSED) -> Assessment:
    return Assessment(physician_id=registration.physician_id, kind=AssessmentKind.PERIODIC,
                      cycle_start=D(2023, 12, 10), cycle_end=D(2026, 12, 9), result=AssessmentResult.FAILED,
                      assessed_on=assessed_on, institution_id=registration.institution_id,
                      region_code=registration.region_code, suspended_until=until)


def record_assessment(who: str, assessment: Assessment, before=None) -> str | None:
    acting = actor(who)
    with unit_of_work() as session:
        session.add(assessment)
        return apply_assessment(session, acting, assessment, before, today=TODAY)


def test_suspension_refusals_change_nothing(ctx):
    registration = zhang_registration()
    count = db.session.scalar(select(func.count(Assessment.id)))
    error = refused("suspension_period", record_assessment, "reviewer_11", failed(registration, D(2027, 2, 27)))
    assert error.params == {"earliest": "2027-02-28", "latest": "2027-05-30"}
    refused("suspension_period", record_assessment, "reviewer_11", failed(registration, D(2026, 11, 1)))  # past
    refused("suspension_period", record_assessment, "reviewer_11", failed(registration, D(2027, 6, 1)))
    refused("assessment_in_future", record_assessment, "reviewer_11", failed(registration, None, D(2026, 12, 1)))
    refused("measure_not_allowed", record_assessment, "inst_admin", failed(registration, D(2027, 3, 1)))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Assessment.id))) == count  # the assessment rolled back too
    assert zhang_registration().status == RegistrationStatus.ACTIVE and not messages("registration_suspended")


def test_failed_assessment_suspends_the_job_lifts_twice(ctx, runner):
    registration = zhang_registration()
    assessment = failed(registration, None)  # no date chosen: three months from the decision
    assert record_assessment("reviewer_11", assessment) == "suspended"
    db.session.expire_all()
    registration = zhang_registration()
    assert registration.status == RegistrationStatus.SUSPENDED
    assert registration.suspended_until == assessment.suspended_until == D(2027, 2, 28)
    assert len(events("registration_suspended")) == 1
    [notice] = messages("registration_suspended")
    assert "2027年2月28日" in notice.body and registration.certificate_no in notice.body
    assert messages("registration_suspended_institution")
    for day in ("2027-02-28", "2027-02-28"):  # the last day of the suspension: still suspended
        assert "suspensions lifted: 0" in runner.invoke(args=["workflow", "lift-suspensions", "--today", day]).output
    for expected in ("suspensions lifted: 1", "suspensions lifted: 0"):  # idempotent
        result = runner.invoke(args=["workflow", "lift-suspensions", "--today", "2027-03-01"])
        assert expected in result.output, result.output
    db.session.expire_all()
    registration = zhang_registration()
    assert registration.status == RegistrationStatus.ACTIVE and registration.suspended_until is None
    assert len(events("registration_reinstated")) == 1 and len(messages("registration_reinstated")) == 1


def test_corrections_by_the_reviewer(ctx):
    registration = zhang_registration()
    assessment = failed(registration, D(2027, 4, 1))
    record_assessment("reviewer_11", assessment)
    with unit_of_work() as session:  # only the note corrected: the ordered suspension stays
        assessment.note = "补录考核机构意见"
        assert apply_assessment(session, actor("reviewer_11"), assessment,
                                (AssessmentResult.FAILED, AssessmentKind.PERIODIC, D(2027, 4, 1)), today=TODAY) is None
    with unit_of_work() as session:  # a new end date moves the suspension
        assessment.suspended_until = D(2027, 5, 1)
        assert apply_assessment(session, actor("reviewer_11"), assessment,
                                (AssessmentResult.FAILED, AssessmentKind.PERIODIC, D(2027, 4, 1)), today=TODAY)
    assert zhang_registration().suspended_until == D(2027, 5, 1)
    with unit_of_work() as session:  # corrected to 合格: the suspension it ordered ends
        assessment.result = AssessmentResult.PASSED
        assert apply_assessment(session, actor("reviewer_11"), assessment,
                                (AssessmentResult.FAILED, AssessmentKind.PERIODIC, D(2027, 5, 1)),
                                today=TODAY) == "reinstated"
    db.session.expire_all()
    assert zhang_registration().status == RegistrationStatus.ACTIVE and assessment.suspended_until is None


def test_failed_without_a_registration_records_only_the_assessment(ctx):
    registration = zhang_registration()
    cancel_registration(actor("reviewer_11"), registration.id, ["inactive"], None, today=TODAY)
    assert record_assessment("reviewer_11", failed(registration, None)) == "no_registration"
    assert zhang_registration().status == RegistrationStatus.CANCELLED
    assert lift_due_suspensions(db.session, D(2030, 1, 1)) == 0


def test_compose_reason_lists_every_item():
    items = {"a": "学历证明", "b": "照片不符合要求"}
    assert compose_reason(["b", "a", "zzz"], "另需体检", items) == "1. 照片不符合要求；2. 学历证明；3. 另需体检"
    assert compose_reason([], " 仅说明 ", items) == "仅说明"
    assert compose_reason([], "", items) == ""
