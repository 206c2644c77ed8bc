"""A bulk approval costs a constant number of SQL statements, whatever the number of applications."""

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Application
from app.workflow import bulk, commands
from app.workflow.commands import act_many
from bench.bulk_approval import TODAY, prepare, reviewer
from tests.conftest import PG_URL

# Once per call, whatever N: BEGIN, the locked SELECT of every application with its physician,
# SAVEPOINT, the calendar (2), the institutions, the certificate counter, the registrations, the
# scope dictionary, the registrations' scopes, the applications' UPDATE, the events, the outbox
# messages, RELEASE (14); then the maintained summaries (app/summaries), recounted set-based before
# the commit (13): the funnel members' old and new stages (SELECT, DELETE, INSERT), the funnel cells
# (SELECT, upsert, DELETE of emptied cells), the dashboard keys (subtract, DELETE, the range and the
# calendar of its working days (3), the new keys with their stage times, add).
# On PostgreSQL the touched summary rows are locked first (one more statement).
PER_CALL = 14 + 13 + (1 if PG_URL else 0)


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


def test_statements_per_bulk_do_not_grow_with_n(app):
    with app.app_context():
        ids = prepare(31)
        statements(ids[:1])  # creates the certificate counter of the prefix
        few, many = statements(ids[1:6]), statements(ids[6:31])
        assert few == many <= PER_CALL


def test_act_many_is_one_transaction(app, monkeypatch):
    """A crash after the bulk writes began undoes them all (on SQLite a SAVEPOINT must not commit them)."""
    with app.app_context():
        ids = prepare(2)
        update_applications = bulk._update_applications

        def crash_after_update(*args):
            update_applications(*args)
            raise RuntimeError("the lights went out")

        monkeypatch.setattr(bulk, "_update_applications", crash_after_update)
        with pytest.raises(RuntimeError):
            act_many(reviewer(), ids, "approve", today=TODAY)
        db.session.remove()
        statuses = {db.session.get(Application, i).status for i in ids}
        assert statuses == {"pending_acceptance"}


def test_one_by_one_is_one_transaction(app, monkeypatch):
    """The same on the row-by-row path: a crash on the second row undoes the first."""
    with app.app_context():
        ids = prepare(2)
        calls = []

        def crash_on_second(application, reason=None):
            calls.append(application.id)
            if len(calls) == 2:
                raise RuntimeError("the lights went out")

        monkeypatch.setattr(bulk, "handles", lambda action, application: False)
        monkeypatch.setattr(commands, "notify_status", crash_on_second)
        with pytest.raises(RuntimeError):
            act_many(reviewer(), ids, "approve", today=TODAY)
        db.session.remove()
        statuses = {db.session.get(Application, i).status for i in ids}
        assert statuses == {"pending_acceptance"}
