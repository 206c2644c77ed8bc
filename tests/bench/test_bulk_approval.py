"""A bulk approval costs a constant number of SQL statements per application, whatever N."""

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Application
from app.workflow import commands
from app.workflow.commands import act_many
from bench.bulk_approval import TODAY, prepare, reviewer

# Per application: SAVEPOINT, the certificate counter, the registration, its scope, the application's
# UPDATE, the 受理 and 准予注册 events, the SMS to the physician, RELEASE. Once per call: BEGIN, the
# locked SELECT of every application with its physician, the calendar, the scopes, the institution.
PER_APPLICATION = 9


def statements(ids: list[int]) -> int:
    """Approve ``ids`` in one act_many; return the number of SQL statements it sent."""
    actor = reviewer()
    db.session.commit()
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = act_many(actor, ids, "approve", today=TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(result.done) == len(ids), result.refused
    return len(sent)


def test_statements_per_approved_application_do_not_grow_with_n(app):
    with app.app_context():
        ids = prepare(31)
        statements(ids[:1])  # creates the certificate counter of the prefix
        few, many = statements(ids[1:6]), statements(ids[6:31])
        assert (many - few) % 20 == 0
        assert (many - few) // 20 <= PER_APPLICATION
        # reference data (calendar, scopes, institution) is read once per call, not per row
        assert few - 5 * ((many - few) // 20) <= 8


def test_act_many_is_one_transaction(app, monkeypatch):
    """A crash on the second row undoes the first (on SQLite a SAVEPOINT must not commit it)."""
    with app.app_context():
        ids = prepare(2)
        calls = []

        def crash_on_second(application, reason=None):
            calls.append(application.id)
            if len(calls) == 2:
                raise RuntimeError("the lights went out")

        monkeypatch.setattr(commands, "notify_status", crash_on_second)
        with pytest.raises(RuntimeError):
            act_many(reviewer(), ids, "approve", today=TODAY)
        db.session.remove()
        statuses = {db.session.get(Application, i).status for i in ids}
        assert statuses == {"pending_acceptance"}
