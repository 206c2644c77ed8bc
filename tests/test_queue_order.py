"""The 受理与审批 queue and the dashboard's lists: their order and search are read from indexes, and the
queue says on the page which order it is."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Application, Physician
from tests.test_query_counts import counted

QUEUE = "/commission/applications/"
NUMBER = re.compile(r'href="/commission/applications/(\d+)"')


def page_ids(client, **args) -> list[int]:
    response = client.get(QUEUE, query_string=args)
    assert response.status_code == 200
    return [int(i) for i in dict.fromkeys(NUMBER.findall(response.get_data(as_text=True)))]


def page_statement(app, client, url: str = QUEUE, **args) -> tuple[str, object]:
    """Return the page's SELECT of its rows (the one with LIMIT) and its parameters."""
    with counted(app, parameters=True) as seen:
        assert client.get(url, query_string=args or None).status_code == 200
    (found,) = [(s, p) for s, p in seen if "FROM application" in s and "LIMIT" in s and "ORDER BY" in s]
    return found


def test_the_waiting_queue_comes_nearest_deadline_first_and_says_so(app, as_user):
    client = as_user("reviewer")
    body = client.get(QUEUE).get_data(as_text=True)
    assert "期限最近的在前" in body
    with app.app_context():
        rows = db.session.execute(select(Application.id, Application.status, Application.accept_due,
                                         Application.decide_due, Application.submitted_at)
                                  .where(Application.status.in_(["pending_acceptance", "accepted"]))).all()
    assert len(rows) >= 3
    due = {r.id: (r.decide_due if r.status == "accepted" else r.accept_due) for r in rows}
    expected = sorted(due, key=lambda i: (due[i] is None, due[i], next(r.submitted_at for r in rows if r.id == i), i))
    assert page_ids(client) == expected


@pytest.mark.parametrize("status", ["all", "approved"])
def test_lists_with_closed_applications_come_newest_first(app, as_user, status):
    client = as_user("reviewer")
    body = client.get(QUEUE, query_string={"status": status}).get_data(as_text=True)
    assert "最新的在前" in body and "期限最近的在前" not in body
    with app.app_context():
        statement = select(Application.id).order_by(Application.id.desc()).limit(25)
        if status != "all":
            statement = statement.where(Application.status == status)
        expected = list(db.session.scalars(statement))
    assert len(expected) >= 2 and page_ids(client, status=status) == expected


def test_a_number_is_found_whatever_its_case_and_a_name_by_its_beginning(app, as_user):
    client = as_user("reviewer")
    with app.app_context():
        application = db.session.scalars(select(Application).where(Application.status == "accepted")).first()
        number, name = application.number, application.physician.name
        same_name = list(db.session.scalars(select(Application.id).join(Physician).where(
            Physician.name.startswith(name[0]), Application.status.in_(["pending_acceptance", "accepted"]))))
    assert page_ids(client, q=number) == [application.id]
    assert page_ids(client, q=number.lower()) == [application.id]
    assert page_ids(client, q=number[:-1]) == []  # a number is matched whole, never as a prefix
    assert sorted(page_ids(client, q=name[0])) == sorted(same_name) and application.id in same_name


def test_the_deadline_index_exists_after_the_migrations(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'application'"))
        else:
            names = db.session.scalars(text("SELECT name FROM sqlite_master WHERE tbl_name = 'application'"))
        assert {"ix_application_waiting", "ix_application_submitted"} <= set(names)


@pytest.mark.parametrize("args", [{}, {"status": "accepted"}, {"q": "张"}])
def test_postgresql_reads_the_waiting_queue_in_index_order(app, as_user, args):
    """The page's own SELECT walks ix_application_waiting and sorts nothing to find its rows (the expressions match)."""
    assert_read_in_order(app, as_user("reviewer"), QUEUE, args, "ix_application_waiting")


@pytest.mark.parametrize("url, index", [
    ("/commission/dashboard/", "ix_application_waiting"),  # its overdue list
    ("/commission/dashboard/rows/?overdue=1", "ix_application_waiting"),
    ("/commission/dashboard/rows/?from=2024-01-01&to=2026-12-31", "ix_application_submitted"),
    ("/commission/dashboard/rows/?from=2024-01-01&to=2026-12-31&status=approved", "ix_application_submitted"),
])
def test_postgresql_reads_the_dashboards_lists_in_index_order(app, as_user, url, index):
    assert_read_in_order(app, as_user("reviewer"), url, {}, index)


def assert_read_in_order(app, client, url: str, args: dict, index: str) -> None:
    """Assert that the page's SELECT of its rows walks ``index`` and sorts nothing below its LIMIT."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no plan to compare at this size; the PostgreSQL run checks it")
    statement, parameters = page_statement(app, client, url, **args)
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql("SET LOCAL enable_sort = off")  # a sort would only be chosen if the index cannot serve
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    below_limit = plan.split("Limit", 1)[1]  # the page's 25 rows may be sorted again once joined; nothing below
    assert index in below_limit and "Sort" not in below_limit, plan


def test_postgresql_finds_a_number_through_its_unique_index(app, as_user):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        number = db.session.scalars(select(Application.number)).first()
    statement, parameters = page_statement(app, as_user("reviewer"), q=number, status="all")
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "application_number_key" in plan and "physician" not in plan.split("application_number_key")[0], plan
