"""Lists that do not slow down as the country fills: 「约 N」 from the planner above the threshold.

The PostgreSQL cases run with TEST_DATABASE_URL set (a low LIST_ESTIMATE_THRESHOLD forces the
estimate on the small test data); SQLite always counts exactly.
"""

from __future__ import annotations

import datetime as dt
import re

import prison
import pytest
from sqlalchemy import select

from app.counting import RowCount, count_label, count_rows
from app.extensions import db
from app.models import Physician
from app.reports.audit import AuditFilter, count_events, page_events
from app.reports.period import Period
from app.security.roles import COMMISSION_REVIEWER
from app.security.scope import Scope
from tests.conftest import PG_URL, login
from tests.reports.audit_reference import reference_page
from tests.test_query_counts import add_physicians, counted

LIST = "/physicianview/list/"
ROW = re.compile(r'href="/physicianview/show/\d+"')
RECORD_COUNT = re.compile(r'id="record-count">\s*<strong>[^<]*</strong>\s*([^<\n]*)')
postgres_only = pytest.mark.skipif(not PG_URL, reason="the planner's estimate needs PostgreSQL (TEST_DATABASE_URL)")


def reviewer(app, username: str = "reviewer"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def shown_count(body: str) -> str:
    match = RECORD_COUNT.search(body)
    assert match, "no record count on the list"
    return match.group(1).strip()


def test_count_label_in_chinese(app):
    with app.test_request_context():
        assert count_label(RowCount(1234567, estimated=True)) == "约 1,234,567"
        assert count_label(RowCount(1234567)) == "1,234,567"
        assert count_label(12) == "12"


def test_sqlite_counts_exactly_whatever_the_threshold(make_app):
    app = make_app(LIST_ESTIMATE_THRESHOLD=0)
    if PG_URL:
        pytest.skip("SQLite only")
    add_physicians(app, 30)
    client = reviewer(app)
    body = client.get(LIST).get_data(as_text=True)
    with app.app_context():
        exact = db.session.scalar(select(db.func.count()).select_from(Physician))
    assert shown_count(body) == f"{exact:,}" and "约" not in shown_count(body)
    data = client.get("/api/v1/physician/").get_json()
    assert data["count"] == exact and data["count_estimated"] is False
    with app.app_context():
        assert count_rows(db.session, select(Physician)).estimated is False


@postgres_only
def test_postgres_shows_the_estimate_above_the_threshold(make_app):
    app = make_app(LIST_ESTIMATE_THRESHOLD=0)  # every list is "large"
    add_physicians(app, 60)
    client = reviewer(app)
    body = client.get(LIST).get_data(as_text=True)
    assert shown_count(body).startswith("约 ")
    assert "按数据库统计信息估算" in body
    assert len(ROW.findall(body)) == 25
    # The last page is not known: no » link, but the next page is offered while this one is full.
    assert "&raquo;" not in body and "page_PhysicianView=1" in body
    api = client.get("/api/v1/physician/").get_json()
    assert api["count_estimated"] is True and api["count"] >= 1
    queue = client.get("/commission/applications/?status=all").get_data(as_text=True)
    assert re.search(r"<caption>\s*共\s*约 [\d,]+", queue)
    workflow = client.get("/api/v1/applications/").get_json()
    assert workflow["count_estimated"] is True
    log = client.get("/audit/log/").get_data(as_text=True)
    assert re.search(r"<caption>共\s*约 [\d,]+", log)
    rows = client.get("/commission/dashboard/rows/?from=2024-01-01&to=2026-12-31").get_data(as_text=True)
    assert re.search(r"<caption>共\s*约 [\d,]+", rows)
    dashboard = client.get("/commission/dashboard/").get_data(as_text=True)
    assert re.search(r'id="overdue-total"[^>]*>约 [\d,]+<', dashboard)


@postgres_only
def test_postgres_counts_exactly_below_the_threshold(make_app):
    app = make_app()  # 100,000 rows: the test data is far below
    add_physicians(app, 30)
    client = reviewer(app)
    body = client.get(LIST).get_data(as_text=True)
    with app.app_context():
        exact = db.session.scalar(select(db.func.count()).select_from(Physician))
    assert shown_count(body) == f"{exact:,}"
    assert client.get("/api/v1/physician/").get_json()["count_estimated"] is False
    assert "约" not in re.search(r"<caption>.*?</caption>", client.get("/audit/log/").get_data(as_text=True)).group(0)


@postgres_only
def test_postgres_shows_the_estimate_when_counting_would_cost_too_much(make_app):
    """Few rows, but a costly read (the cost limit at 1 unit stands for a join over millions): 约 N."""
    app = make_app(LIST_ESTIMATE_COST=1)
    add_physicians(app, 30)
    client = reviewer(app)
    assert shown_count(client.get(LIST).get_data(as_text=True)).startswith("约 ")
    queue = client.get("/commission/applications/", query_string={"q": "张"}).get_data(as_text=True)
    assert re.search(r"<caption>\s*共\s*约 [\d,]+", queue) or "没有符合" in queue
    cheap = reviewer(make_app())  # the default limit: this small database is counted exactly
    assert "约" not in shown_count(cheap.get(LIST).get_data(as_text=True))


@postgres_only
def test_postgres_estimate_replaces_the_count_statement(make_app):
    """Above the threshold the page runs the EXPLAIN instead of count(*): no extra statement, no scan."""
    app = make_app(LIST_ESTIMATE_THRESHOLD=0)
    client = reviewer(app)
    client.get(LIST)
    with counted(app) as statements:
        assert client.get(LIST).status_code == 200
    assert any(s.startswith("EXPLAIN") for s in statements)
    assert not any("count(" in s.lower() for s in statements), statements
    assert len(statements) == 3  # user (roles, groups), the estimate, the page


def test_a_page_past_the_end_is_empty_with_a_message(app):
    client = reviewer(app)
    response = client.get(f"{LIST}?page_PhysicianView=400")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "本页已超出列表末尾" in body and "返回第一页" in body
    assert not ROW.findall(body)
    queue = client.get("/commission/applications/?status=all&page=400")
    assert queue.status_code == 200 and "本页已超出列表末尾" in queue.get_data(as_text=True)
    log = client.get("/audit/log/?page=4000")
    assert log.status_code == 200 and "本页已超出列表末尾" in log.get_data(as_text=True)
    api = client.get("/api/v1/physician/?q=" + prison.dumps({"page": 4000, "page_size": 25})).get_json()
    assert api["result"] == [] and api["count"] > 0


def test_openapi_documents_count_estimated(app):
    spec = app.test_client().get("/api/v1/_openapi").get_json()
    for path in ("/api/v1/physician/", "/api/v1/applications/", "/api/v1/profile-changes/"):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["properties"]["count_estimated"]["type"] == "boolean", path


# --- the audit log: each side of the UNION cut to the page before the merge, same rows --------------

NATIONAL = Scope(role=COMMISSION_REVIEWER, jurisdiction="000000")
BEIJING = Scope(role=COMMISSION_REVIEWER, jurisdiction="110000")


@pytest.fixture
def busy_log(database_uri, make_app):
    """A log of a few thousand events of both kinds, some at the same instant (ties on the time)."""
    from bench.generate import generate

    app = make_app()
    generate(database_uri, 150, seed=11, quiet=True)
    return app


@pytest.mark.parametrize("scope", [NATIONAL, BEIJING], ids=["national", "beijing"])
def test_audit_pages_equal_the_whole_ordered_log(busy_log, scope):
    filters = [
        AuditFilter(),
        AuditFilter(ascending=True),
        AuditFilter(period=Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31))),
        AuditFilter(event="app:submit"),
        AuditFilter(event="login", ascending=True),
        AuditFilter(person="张"),
        AuditFilter(actor="rev"),
        AuditFilter(person="王", actor="inst", ascending=True),
    ]
    with busy_log.app_context():
        for chosen in filters:
            whole = reference_page(scope, chosen, 1, 0)  # as before: merged, then filtered and ordered
            assert page_events(scope, chosen, 1, 0) == whole, chosen
            assert count_events(scope, chosen) == len(whole), chosen
            for size in (7, 25):
                pages = -(-len(whole) // size) + 1  # and one past the end
                for page in sorted({1, 2, max(pages - 1, 1), pages}):
                    assert page_events(scope, chosen, page, size) == reference_page(scope, chosen, page, size), (
                        chosen, size, page)
                paged = [row for page in range(1, pages + 1) for row in page_events(scope, chosen, page, size)]
                assert paged == whole, (chosen, size)
        assert len(page_events(scope, AuditFilter(), 1, 0)) > 25  # the data really spans several pages


@postgres_only
def test_an_institutions_lists_count_exactly_without_asking_the_planner(make_app):
    app = make_app(LIST_ESTIMATE_THRESHOLD=0)  # a commission's list would show 约 N
    admin = reviewer(app, "inst_admin")
    with counted(app) as statements:
        body = admin.get("/institution/applications/?status=all").get_data(as_text=True)
    assert not any(s.lstrip().startswith("EXPLAIN") for s in statements)
    assert "约" not in body
    with counted(app) as statements:
        admin.get("/institution/profile-changes/")
    assert not any(s.lstrip().startswith("EXPLAIN") for s in statements)
    commission = reviewer(app, "reviewer_11")
    with counted(app) as statements:
        commission.get("/commission/applications/?status=all")
    assert any(s.lstrip().startswith("EXPLAIN") for s in statements)


def test_an_explain_is_cached_by_its_statements_shape_and_binds_each_statements_values():
    from app.counting import Explain

    young = Explain(select(Physician.id).where(Physician.id > 10))
    old = Explain(select(Physician.id).where(Physician.id > 99))
    other = Explain(select(Physician.id).where(Physician.name == "x"))
    key_young, key_old = young._generate_cache_key(), old._generate_cache_key()
    assert key_young is not None, "an EXPLAIN is cacheable"
    assert key_young == key_old, "one compiled EXPLAIN per shape"
    assert [b.value for b in key_young.bindparams] == [10] and [b.value for b in key_old.bindparams] == [99]
    assert other._generate_cache_key() != key_young, "another statement, another key"


@postgres_only
def test_postgres_estimates_each_statement_with_its_own_values(make_app):
    from app.counting import planner_estimate

    app = make_app()
    add_physicians(app, 200)
    with app.app_context():
        ids = sorted(db.session.scalars(select(Physician.id)))
        db.session.execute(db.text("ANALYZE physician"))
        many = planner_estimate(db.session, select(Physician.id).where(Physician.id >= ids[0]))
        few = planner_estimate(db.session, select(Physician.id).where(Physician.id >= ids[-5]))
    assert many[0] >= 150 and few[0] <= 20, (many, few)
