"""The window page's numbers equal direct SQL counts on generated data (bench/generate.py, small)."""

import re
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.security.roles import ADMIN
from app.security.scope import Scope
from app.window.funnel import by_institution, by_province
from bench.generate import generate

# One formulation per stage, written independently of app.window.funnel (a join instead of subqueries).
DIRECT = """
SELECT substr(p.region_code, 1, 2) AS province, p.institution_id,
       CASE WHEN a.best IS NOT NULL THEN a.best WHEN p.activated_at IS NOT NULL THEN 3
            WHEN p.verified_at IS NOT NULL THEN 2 ELSE 1 END AS stage
FROM physician p
LEFT JOIN (SELECT physician_id, max(CASE WHEN status = 'approved' THEN 6 WHEN confirmed_at IS NOT NULL THEN 5
                                         WHEN submitted_at IS NOT NULL THEN 4 END) AS best
           FROM application WHERE type = 'first' AND status NOT IN ('draft', 'withdrawn')
           GROUP BY physician_id) a ON a.physician_id = p.id
WHERE p.id IN (SELECT p2.id FROM physician p2 JOIN qualification q
               ON q.id_number = p2.id_number AND q.id_type = p2.id_type WHERE q.exam_year = :year)
"""
KEYS = ("accounts", "verified", "activated", "submitted", "confirmed", "approved")


@pytest.fixture
def generated(database_uri):
    generate(database_uri, 1_500, seed=11, quiet=True)
    engine = create_engine(database_uri)
    with engine.connect() as conn:
        year = conn.execute(text("SELECT exam_year FROM qualification GROUP BY exam_year "
                                 "ORDER BY count(*) DESC, exam_year LIMIT 1")).scalar()
        rows = conn.execute(text(DIRECT), {"year": year}).all()
        qualified = dict(conn.execute(text("SELECT province_code, count(*) FROM qualification "
                                           "WHERE exam_year = :year GROUP BY province_code"), {"year": year}).all())
    engine.dispose()
    return year, rows, qualified


def _expected(rows, key_of) -> dict:
    out: dict = {}
    for row in rows:
        counts = out.setdefault(key_of(row), Counter())
        for number, key in enumerate(KEYS, start=1):
            counts[key] += row.stage >= number
    return out


def test_province_funnel_equals_direct_sql(app, generated):
    year, rows, qualified = generated
    expected = _expected(rows, lambda r: f"{r.province}0000")
    with app.app_context():
        got = by_province(db.session, year, Scope(role=ADMIN))
    assert sum(c["accounts"] for c in got.values()) == len(rows) > 20
    for province, counts in got.items():
        assert counts["qualified"] == qualified.get(province, 0), province
        assert {k: counts[k] for k in KEYS} == {k: expected.get(province, Counter())[k] for k in KEYS}, province
    assert set(expected) <= set(got)
    assert any(c["approved"] for c in got.values()) and any(c["submitted"] > c["confirmed"] for c in got.values())


def test_institution_funnel_equals_direct_sql(app, generated):
    year, rows, _qualified = generated
    province = Counter(f"{r.province}0000" for r in rows).most_common(1)[0][0]
    expected = _expected([r for r in rows if f"{r.province}0000" == province], lambda r: str(r.institution_id))
    with app.app_context():
        total, page = by_institution(db.session, year, Scope(role=ADMIN), province, 1, 500)
    assert total == len(expected) == len(page)
    for funnel in page:
        assert funnel.counts == {k: expected[funnel.code][k] for k in KEYS}


def test_the_page_numbers_and_their_lists_agree(app, as_user, generated):
    year, rows, _qualified = generated
    client = as_user("reviewer")
    body = client.get(f"/commission/window/?year={year}").get_data(as_text=True)
    links = re.findall(r'href="(/physicianview/list/\?[^"]+)">([\d,]+)<', body)
    small = [(url, int(n.replace(",", ""))) for url, n in links if 0 < int(n.replace(",", "")) <= 50][:4]
    assert small
    for url, number in small:
        listed = client.get(url.replace("&amp;", "&") + "&psize_PhysicianView=100").get_data(as_text=True)
        assert len(set(re.findall(r'/physicianview/show/(\d+)"', listed))) == number, url
