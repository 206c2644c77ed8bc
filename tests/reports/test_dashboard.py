"""The reviewers' dashboard: numbers equal direct SQL counts, scoped, linked, exportable."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, select, text

from app.domain.clock import today_in_beijing
from app.extensions import db
from app.models import Application
from app.reports.period import Period
from app.reports.selection import STAGES
from app.reports.stages import stage_times
from app.security.roles import ADMIN
from app.security.scope import Scope
from app.workflow.calendar import load_calendar
from app.workflow.progress import beijing
from bench.generate import generate
from tests.conftest import login

RANGE = "from=2024-01-01&to=2026-12-31"
URL = f"/commission/dashboard/?{RANGE}"


@pytest.fixture
def generated(database_uri):
    """A database with the demo plus generated physicians and applications."""
    generate(database_uri, 600, seed=11, quiet=True)
    return database_uri


def sql(uri: str, statement: str, **params) -> list:
    engine = create_engine(uri)
    with engine.connect() as conn:
        rows = conn.execute(text(statement), params).all()
    engine.dispose()
    return rows


START, END = "2023-12-31 16:00:00", "2026-12-31 16:00:00"  # Beijing 2024-01-01 to 2026-12-31 in UTC
IN_RANGE = f"submitted_at >= '{START}' AND submitted_at < '{END}'"


def linked_counts(body: str, table_id: str, param: str) -> dict[str, int]:
    """Read a count table of the page: the key its link carries -> the number shown."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S).group(0)
    found = {}
    for href, number in re.findall(r'<a href="([^"]*)">([\d,]+)</a>', table):
        query = parse_qs(urlsplit(html.unescape(href)).query)
        found[query[param][0]] = int(number.replace(",", ""))
    return found


def client_for(make_app, username: str):
    client = make_app().test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("username, where", [("reviewer", "a.id > 0"), ("reviewer_11", "a.region_code LIKE '11%'")])
def test_numbers_equal_direct_sql_counts(generated, make_app, username, where):
    client = client_for(make_app, username)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    base = f"FROM application a LEFT JOIN practice_registration r ON r.id = a.registration_id WHERE {IN_RANGE} AND {where}"
    postgres = generated.startswith("postgresql")  # the same counts in each database's own JSON functions
    requested_category = "a.data ->> 'category'" if postgres else "json_extract(a.data, '$.category')"
    scope_codes = ("json_array_elements_text(a.data -> 'scope_codes') j(value)" if postgres
                   else "json_each(a.data, '$.scope_codes') j")
    for table_id, param, key in [("by-status", "status", "a.status"), ("by-type", "type", "a.type"),
                                 ("by-category", "category", "r.category")]:
        if param == "category":
            key = f"COALESCE(r.category, {requested_category})"
        expected = dict(sql(generated, f"SELECT {key}, count(*) {base} GROUP BY 1"))
        assert linked_counts(body, table_id, param) == expected, table_id
    width = 2 if username == "reviewer" else 4
    regions = dict(sql(generated, f"SELECT substr(a.region_code, 1, {width}) || '{'0' * (6 - width)}', count(*) {base} GROUP BY 1"))
    assert linked_counts(body, "by-region", "region") == regions
    with_scopes = base.replace("WHERE", f", {scope_codes} WHERE")
    scopes = dict(sql(generated, f"SELECT j.value, count(*) {with_scopes} GROUP BY 1"))
    assert linked_counts(body, "by-scope", "scope") == scopes
    institutions = Counter(dict(sql(generated, f"SELECT a.institution_id, count(*) {base} GROUP BY 1")))
    shown = linked_counts(body, "by-institution", "institution")
    assert sorted(shown.values(), reverse=True) == sorted(institutions.values(), reverse=True)[:10]
    assert all(institutions[int(k)] == n for k, n in shown.items())
    total = sql(generated, f"SELECT count(*) {base}")[0][0]
    assert total > 0 and 'id="total" href="' in body and f">{total:,}</a>" in body


def test_institution_counts_page_through_every_institution(generated, make_app):
    client = client_for(make_app, "reviewer")
    seen: dict[str, int] = {}
    page = 1
    while True:
        body = client.get(f"{URL}&ipage={page}").get_data(as_text=True)
        shown = linked_counts(body, "by-institution", "institution")
        if not shown:
            break
        assert not set(shown) & set(seen)
        seen.update(shown)
        page += 1
    expected = dict(sql(generated, f"SELECT CAST(institution_id AS TEXT), count(*) FROM application WHERE {IN_RANGE} GROUP BY 1"))
    assert seen == expected


def percentile(values: list[int], p: float) -> float:
    """percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_stage_times_equal_the_calendar_computed_in_python(generated, make_app):
    app = make_app()
    with app.app_context():
        calendar = load_calendar(db.session, dt.date(2000, 1, 1), dt.date(2028, 1, 1))
        period = Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31))
        today = dt.date(2026, 11, 29)
        found = {s.stage: s for s in stage_times(Scope(role=ADMIN), period, calendar, today)}
        for stage, (start, end) in STAGES.items():
            rows = db.session.execute(
                select(start, end).where(Application.submitted_at >= period.start_utc,
                                         Application.submitted_at < period.end_utc,
                                         start.is_not(None), end.is_not(None))).all()
            days = [calendar.working_days_between(beijing(a).date(), beijing(b).date()) for a, b in rows]
            assert found[stage].n == len(days) > 0
            assert found[stage].p50 == pytest.approx(percentile(days, .5))
            assert found[stage].p90 == pytest.approx(percentile(days, .9))


def test_the_list_behind_a_number_and_its_exports(generated, make_app):
    client = client_for(make_app, "reviewer_11")
    body = client.get(URL).get_data(as_text=True)
    counts = linked_counts(body, "by-status", "status")
    status, number = max(counts.items(), key=lambda kv: kv[1])
    args = f"{RANGE}&status={status}"
    page = client.get(f"/commission/dashboard/rows/?{args}").get_data(as_text=True)
    assert f"{number:,}" in page
    book = load_workbook(io.BytesIO(client.get(f"/commission/dashboard/export/xlsx?{args}").data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("申请编号", "申请类型", "状态", "医师", "证件号码")
    assert len(rows) - 1 == number
    assert all(re.fullmatch(r"\d{4}\*+\w{4}", r[4]) for r in rows[1:])  # masked ID numbers
    text_ = client.get(f"/commission/dashboard/export/csv?{args}").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text_)))
    assert lines[0] == list(rows[0]) and len(lines) - 1 == number
    regions = {r[6] for r in rows[1:]}
    assert regions <= set(dict(sql(generated, "SELECT name, code FROM region WHERE code LIKE '11%'")))


def test_each_list_is_in_its_order_whole_and_paged(generated, make_app):
    """Overdue: the longest overdue first (the queue's order, from its index); a number's list: newest first."""
    client = client_for(make_app, "reviewer")
    today = today_in_beijing().isoformat()
    due = "CASE WHEN status = 'accepted' THEN decide_due ELSE accept_due END"
    cases = {
        "overdue=1": sql(generated, f"SELECT number FROM application WHERE status IN ('pending_acceptance', 'accepted')"
                                    f" AND {due} < :today ORDER BY {due}, submitted_at, id", today=today),
        f"{RANGE}&status=approved": sql(generated, f"SELECT number FROM application WHERE {IN_RANGE}"
                                                   " AND status = 'approved' ORDER BY submitted_at DESC, id DESC"),
    }
    for args, expected in cases.items():
        expected = [number for (number,) in expected]
        assert len(expected) > 25, args  # more than one page
        lines = list(csv.reader(io.StringIO(
            client.get(f"/commission/dashboard/export/csv?{args}").data.decode("utf-8-sig"))))
        assert [line[0] for line in lines[1:]] == expected, args
        second = client.get(f"/commission/dashboard/rows/?{args}&page=2").get_data(as_text=True)
        assert re.findall(r'<td><a href="[^"]*">([^<]+)</a></td>', second) == expected[25:50], args


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01", "请按"),
    ("from=2026-06-01&to=2026-01-01", "开始日期不能晚于结束日期"),
    ("from=2010-01-01&to=2026-01-01", "不超过五年"),
    ("from=1999-01-01&to=1999-02-01", "2000-01-01"),
])
def test_bad_date_ranges_are_refused_in_chinese(as_user, query, message):
    client = as_user("reviewer")
    for path in ("/commission/dashboard/", "/commission/dashboard/rows/", "/commission/dashboard/export/csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["inst_admin", "physician"])
def test_institution_admins_and_physicians_are_refused(as_user, username):
    client = as_user(username)
    for path in ("/commission/dashboard/", "/commission/dashboard/rows/", "/commission/dashboard/export/xlsx"):
        assert client.get(path).status_code == 403


def test_provincial_reviewer_sees_only_their_province(make_app):
    body = client_for(make_app, "reviewer_11").get("/commission/dashboard/rows/?overdue=1").get_data(as_text=True)
    national = client_for(make_app, "reviewer").get("/commission/dashboard/rows/?overdue=1").get_data(as_text=True)
    assert "北京朝阳示范医院" in body
    outside = set(re.findall(r"<td>([^<]*医院)</td>", national)) - set(re.findall(r"<td>([^<]*医院)</td>", body))
    for name in outside:
        assert name not in body


def test_default_range_is_this_year(as_user):
    body = as_user("reviewer").get("/commission/dashboard/").get_data(as_text=True)
    year = today_in_beijing().year
    assert f'value="{year}-01-01"' in body and f'value="{year}-12-31"' in body
