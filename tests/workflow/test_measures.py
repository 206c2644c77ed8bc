"""Ex-officio cancellation, suspension for a failed assessment and the daily lift of due suspensions."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.domain.enums import AssessmentKind, AssessmentResult, FilingStatus, RegistrationStatus
from app.extensions import db
from app.models import Assessment, Filing, PracticeRegistration, SecurityEvent
from app.workflow.commands import unit_of_work
from app.workflow.errors import WorkflowError
from app.workflow.measures import cancel_registration, suspend_for_assessment
from app.workflow.reasons import compose_reason

from .conftest import actor

D = dt.date


def zhang_registration() -> PracticeRegistration:
    return db.session.scalar(select(PracticeRegistration).where(
        PracticeRegistration.physician_id == actor("physician").scope.physician_id))


def test_cancel_ex_officio_with_article_17_grounds(ctx):
    registration = zhang_registration()
    db.session.add(Filing(registration_id=registration.id, institution_id=2, valid_from=D(2026, 1, 1),
                          valid_to=D(2027, 1, 1), status=FilingStatus.ACTIVE))
    db.session.commit()
    with pytest.raises(WorkflowError) as refused:
        cancel_registration(actor("reviewer_11"), registration.id, [], "  ")
    assert refused.value.code == "reason_required"
    with pytest.raises(WorkflowError) as refused:
        cancel_registration(actor("inst_admin"), registration.id, ["death"], None)
    assert refused.value.code == "action_not_allowed"
    cancel_registration(actor("reviewer_11"), registration.id, ["health"], "经鉴定", today=D(2026, 11, 30))
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.cancel_reason.startswith("1. ") and "经鉴定" in registration.cancel_reason
    assert all(f.status == FilingStatus.ENDED for f in registration.filings)
    assert db.session.scalar(select(SecurityEvent.event).order_by(SecurityEvent.id.desc())) == "registration_cancelled"


def test_failed_assessment_suspends_and_the_job_lifts(ctx, runner):
    registration = zhang_registration()
    assessment = Assessment(physician_id=registration.physician_id, kind=AssessmentKind.PERIODIC,
                            cycle_start=D(2023, 12, 10), cycle_end=D(2026, 12, 9), result=AssessmentResult.FAILED,
                            assessed_on=D(2026, 6, 1), institution_id=registration.institution_id,
                            region_code=registration.region_code, suspended_until=D(2026, 8, 1))
    db.session.add(assessment)
    with pytest.raises(WorkflowError) as refused, unit_of_work():
        suspend_for_assessment(db.session, assessment)  # 2 months: too short
    assert refused.value.code == "suspension_period" and refused.value.params["earliest"] == "2026-09-01"
    assessment = Assessment(physician_id=registration.physician_id, kind=AssessmentKind.PERIODIC,
                            cycle_start=D(2023, 12, 10), cycle_end=D(2026, 12, 9), result=AssessmentResult.FAILED,
                            assessed_on=D(2026, 6, 1), institution_id=registration.institution_id,
                            region_code=registration.region_code, suspended_until=D(2026, 10, 1))
    with unit_of_work():
        db.session.add(assessment)
        suspend_for_assessment(db.session, assessment)
    assert registration.status == RegistrationStatus.SUSPENDED
    for expected in ("suspensions lifted: 1", "suspensions lifted: 0"):  # idempotent
        result = runner.invoke(args=["workflow", "lift-suspensions"])
        assert expected in result.output, result.output
    db.session.expire_all()
    assert zhang_registration().status == RegistrationStatus.ACTIVE


def test_compose_reason_lists_every_item():
    items = {"a": "学历证明", "b": "照片不符合要求"}
    assert compose_reason(["b", "a", "zzz"], "另需体检", items) == "1. 照片不符合要求；2. 学历证明；3. 另需体检"
    assert compose_reason([], " 仅说明 ", items) == "仅说明"
    assert compose_reason([], "", items) == ""
