"""One refusal type and one unit of work (issue 6 item 19): refusals change nothing, counters survive."""

from __future__ import annotations

import re

import pytest
from flask_appbuilder import Model
from sqlalchemy import create_engine, func, select, text

from app.accounts import activation, recovery
from app.accounts.errors import AccountError
from app.commands import CommandError, message_for, unit_of_work
from app.domain.enums import AccountStatus, Channel
from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import ActivationCode, Institution, Physician, RegistryUser, SecurityEvent
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _database(app) -> dict[str, list[tuple]]:
    """Read every row of every table through a connection of its own (what is really committed)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{table.name}"'))), key=repr)
                for table in Model.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _waiting(institution_id: int | None = None) -> list[Physician]:
    statement = select(Physician).where(Physician.status == AccountStatus.VERIFIED, Physician.phone_verified)
    if institution_id:
        statement = statement.where(Physician.institution_id == institution_id)
    return list(db.session.scalars(statement.order_by(Physician.id)))


def test_account_error_is_the_one_command_error():
    error = AccountError("phone_taken")
    assert isinstance(error, CommandError) and error.status == 409 and error.params == {}
    assert CommandError("code_cooldown", seconds=5).status == 429
    assert CommandError("phone_taken", 422).status == 422  # an explicit status wins
    assert AccountError.from_rule(RuleViolation("id_checksum")).code == "id_checksum"


def test_a_refused_command_leaves_the_database_unchanged(app, ctx):
    waiting = _waiting()
    assert len(waiting) >= 1
    stranger = db.session.scalar(select(Physician).where(Physician.institution_id != waiting[0].institution_id))
    before = _database(app)
    # The first physician gets a code, a message and an audit entry staged; the second is refused.
    with pytest.raises(AccountError) as refused:
        activation.issue_activation_codes(waiting[0].institution_id, [waiting[0].id, stranger.id], Channel.SMS)
    assert refused.value.code == "not_your_institution"
    assert _database(app) == before


def test_a_failure_inside_a_unit_of_work_rolls_back_and_nested_units_commit_once(app, ctx):
    institution = db.session.get(Institution, 1)
    old_phone = institution.phone
    with pytest.raises(ZeroDivisionError), unit_of_work():
        institution.phone = "010-00000000"
        with unit_of_work():
            db.session.flush()
        committed = {row[0]: row for row in _database(app)["institution"]}
        assert old_phone in committed[1] and "010-00000000" not in committed[1]  # the inner block did not commit
        1 / 0  # noqa: B018  (any exception, not only a refusal)
    assert db.session.get(Institution, 1).phone == old_phone
    with unit_of_work():
        institution.phone = "010-11111111"
    rows = {row[0]: row for row in _database(app)["institution"]}
    assert "010-11111111" in rows[1]


def test_a_wrong_code_is_counted_although_the_command_rolls_back(app, ctx):
    physician = _waiting()[0]
    activation.issue_activation_codes(physician.institution_id, [physician.id], Channel.SMS)
    row_id = db.session.scalar(select(ActivationCode.id).where(ActivationCode.physician_id == physician.id)
                               .order_by(ActivationCode.id.desc()))
    for expected in (1, 2):
        with pytest.raises(AccountError) as wrong:
            activation.activate(physician, "00000000" if expected == 1 else "11111111")
        assert wrong.value.code == "code_wrong" and wrong.value.params["remaining"] == 5 - expected
        committed = [r for r in _database(app)["activation_code"] if r[0] == row_id][0]
        assert expected in committed  # attempts column, read through another connection
    failed = db.session.scalar(select(func.count()).select_from(SecurityEvent).where(
        SecurityEvent.event == "activation_failed", SecurityEvent.physician_id == physician.id))
    assert failed == 2
    assert db.session.get(Physician, physician.id).status == AccountStatus.VERIFIED


def test_a_wrong_current_password_is_audited_but_changes_nothing(app, ctx):
    physician = db.session.scalars(select(Physician).where(Physician.name == "张明")).one()
    with pytest.raises(AccountError):
        recovery.change_password(physician, "Wrong#1234", "Another1!x", "Another1!x")
    events = _database(app)["security_event"]
    assert any("password_change_failed" in row for row in events)


def test_the_same_code_reads_the_same_everywhere(app, client):
    with app.test_request_context():
        expected = message_for("password_wrong")
        assert AccountError("password_wrong").message == expected
    assert re.search(r"[\u4e00-\u9fff]", expected)
    token = client.post("/api/v1/security/login", json={
        "username": "physician", "password": PASSWORD, "provider": "db", "refresh": False}).get_json()["access_token"]
    api = client.post("/api/v1/account/password", headers={"Authorization": f"Bearer {token}"},
                      json={"old": "Wrong#1234", "password": "Another1!x", "password2": "Another1!x"})
    assert api.status_code == 400 and api.get_json()["message"] == expected
    client.post("/login/", data={"username": "physician", "password": PASSWORD, "csrf_token": csrf_token(client)})
    client.post("/me/security/password", data={"old": "Wrong#1234", "password": "Another1!x",
                                              "password2": "Another1!x", "csrf_token": csrf_token(client, "/me/security/")})
    assert expected in client.get("/me/security/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(RegistryUser.username).where(RegistryUser.username == "physician"))
