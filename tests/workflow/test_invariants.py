"""The invariant check: a clean demo passes; one broken row per case fails exactly its rule."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Application, ApplicationEvent, Physician, PracticeRegistration, PracticeScope
from app.workflow.commands import act, create_application
from app.workflow.invariants import RULES, allowed_steps, check_invariants

from .conftest import TODAY, actor, first_registration_data, institution


def failing() -> dict[str, tuple[str, ...]]:
    """Return the examples of every rule that fails now."""
    results = check_invariants(db.session.connection())
    return {r.rule.name: r.examples for r in results if r.count}


def registration(name: str = "张明") -> PracticeRegistration:
    return db.session.scalar(select(PracticeRegistration).join(Physician).where(Physician.name == name))


def first_application(name: str = "张明") -> Application:
    return db.session.scalar(select(Application).join(Physician).where(Physician.name == name))


def sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)


def add_filing(institution_name: str, scope_codes=("CLN01",), status: str = "active") -> None:
    from app.models import Filing

    scopes = db.session.scalars(select(PracticeScope).where(PracticeScope.code.in_(scope_codes))).all()
    db.session.add(Filing(registration=registration(), institution=institution(institution_name),
                          valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31), status=status,
                          scopes=scopes))


def set_scopes(*codes: str) -> None:
    registration().scopes = db.session.scalars(select(PracticeScope).where(PracticeScope.code.in_(codes))).all()


def delete_event(action: str) -> None:
    sql("DELETE FROM application_event WHERE application_id = :a AND action = :action",
        a=first_application().id, action=action)


def suspend_without_end() -> None:
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    else:
        name = connection.scalar(text("SELECT conname FROM pg_constraint WHERE conname LIKE '%suspension_has_end%'"))
        connection.exec_driver_sql(f'ALTER TABLE practice_registration DROP CONSTRAINT "{name}"')
    sql("UPDATE practice_registration SET status = 'suspended', suspended_until = NULL WHERE id = :r",
        r=registration().id)


def returned_without_reason() -> None:
    physician = db.session.scalar(select(Physician).where(Physician.name == "李芳"))
    home = institution("北京朝阳示范医院")
    application = Application(number="A202611300009999", type="first", status="returned", physician=physician,
                              institution=home, region_code=home.region_code, data={})
    steps = [("create", None, "draft"), ("submit", "draft", "submitted"), ("return", "submitted", "returned")]
    application.events = [ApplicationEvent(action=a, from_status=f, to_status=t) for a, f, t in steps]
    db.session.add(application)


def provincial_extra_of_another_province() -> None:
    extra = PracticeScope(category="clinical", code="SH-CLN01", name="上海市规定的其他专业", province_code="310000")
    db.session.add(extra)
    registration().scopes = [extra]


BREAKERS = {
    "location_level: a physician's location is a county": (
        "location_level", lambda: setattr(registration(), "location_code", "110105")),
    "primary_in_location: the primary institution is in Shanghai": (
        "primary_in_location", lambda: setattr(registration(), "institution", institution("上海徐汇示范医院"))),
    "filing_in_location: a filing in Guangzhou": (
        "filing_in_location", lambda: add_filing("广州天河中医医院")),
    "filing_in_location: a filing at the primary institution": (
        "filing_in_location", lambda: add_filing("北京朝阳示范医院")),
    "filing_duplicate: two active filings at one institution": (
        "filing_duplicate", lambda: (add_filing("北京海淀社区卫生服务中心"), add_filing("北京海淀社区卫生服务中心"))),
    "scope_count: four scopes": ("scope_count", lambda: set_scopes("CLN01", "CLN02", "CLN03", "CLN04")),
    "scope_count: no scope": ("scope_count", lambda: set_scopes()),
    "scope_category: a dental scope on a clinical registration": ("scope_category", lambda: set_scopes("DEN01")),
    "scope_category: another province's extra": ("scope_category", provincial_extra_of_another_province),
    "filing_scopes: a scope the registration lacks": (
        "filing_scopes", lambda: add_filing("北京海淀社区卫生服务中心", ("CLN02",))),
    "filing_scopes: no scope": ("filing_scopes", lambda: add_filing("北京海淀社区卫生服务中心", ())),
    "military: a registration": (
        "military", lambda: setattr(registration(), "institution", institution("解放军示范总医院"))),
    "military: a filing": ("military", lambda: add_filing("解放军示范总医院")),
    "military: an application": (
        "military", lambda: setattr(first_application(), "institution", institution("解放军示范总医院"))),
    "cancelled_with_filings: an active filing on a cancelled registration": (
        "cancelled_with_filings",
        lambda: (setattr(registration(), "status", "cancelled"), add_filing("北京海淀社区卫生服务中心"))),
    "suspension_end: suspended without an end date": ("suspension_end", suspend_without_end),
    "event_chain: a step missing": ("event_chain", lambda: delete_event("accept")),
    "event_chain: no create event": ("event_chain", lambda: delete_event("create")),
    "event_chain: approve from pending without the implied accept": ("event_chain", lambda: (
        delete_event("accept"),
        sql("UPDATE application_event SET from_status = 'pending_acceptance' WHERE action = 'approve'"))),
    "event_chain: ends elsewhere than the status": (
        "event_chain", lambda: setattr(first_application("赵敏"), "status", "accepted")),  # 张明 has a filing open
    "event_chain: an action the table does not have": ("event_chain", lambda: sql(
        "UPDATE application_event SET action = 'approve' WHERE action = 'accept'")),
    "events_missing: a decided application without events": (
        "events_missing", lambda: sql("DELETE FROM application_event WHERE application_id = :a",
                                      a=first_application().id)),
    "reason_missing: a return without a reason": ("reason_missing", returned_without_reason),
    "approved_without_registration: approved, no registration": (
        "approved_without_registration", lambda: setattr(first_application(), "registration_id", None)),
}


def test_every_rule_has_a_breaking_case():
    assert {rule for rule, _break in BREAKERS.values()} == {rule.name for rule in RULES}


def test_the_demo_database_holds_every_invariant(ctx):
    assert failing() == {}


def test_approve_from_pending_is_recorded_as_accept_then_approve():
    steps = allowed_steps()
    assert ("approve", "accepted", "approved") in steps and ("accept", "pending_acceptance", "accepted") in steps
    assert ("approve", "pending_acceptance", "approved") not in steps
    assert steps[0] == ("create", None, "draft")


@pytest.mark.parametrize("case", list(BREAKERS))
def test_a_broken_row_fails_exactly_its_rule(ctx, case):
    rule, breaker = BREAKERS[case]
    breaker()
    db.session.flush()
    assert list(failing()) == [rule]


def test_applications_written_by_the_commands_hold_every_invariant(li_fang):
    application = create_application(actor("li_fang"), "first", first_registration_data(), today=TODAY)
    act(actor("inst_admin"), application.id, "return", "照片不清晰", today=TODAY)
    act(actor("li_fang"), application.id, "resubmit", today=TODAY)
    act(actor("inst_admin"), application.id, "confirm", today=TODAY)
    act(actor("reviewer_11"), application.id, "ask_correction", "请补充规培证明", today=TODAY)
    act(actor("li_fang"), application.id, "resubmit_correction", today=TODAY)
    act(actor("reviewer_11"), application.id, "approve", today=TODAY)
    assert len(application.events) == 9
    assert failing() == {}


def test_the_cli_exits_1_and_names_rule_and_rows(app, runner):
    result = runner.invoke(args=["check-invariants"])
    assert result.exit_code == 0 and f"all {len(RULES)} rules hold" in result.output
    with app.app_context():
        application_id = first_application().id
        sql("DELETE FROM application_event WHERE application_id = :a", a=application_id)
        db.session.commit()
    result = runner.invoke(args=["check-invariants"])
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "events_missing" in line)
    assert line.startswith("FAIL") and f"e.g. {application_id}" in line
