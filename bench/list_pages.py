"""Time the commission's physician list (the real FAB view) against a bare Flask route.

    .venv/bin/python bench/list_pages.py --database-url URL [--runs 15]

Both run in one process on one app and database, logged in as the national reviewer ``reviewer``
(run ``flask seed-demo`` before ``bench/generate.py``). The bare route runs the same count and
the same SELECT (same WHERE, ORDER BY, OFFSET, LIMIT) and renders the same 25 rows in a minimal
Jinja table. Prints the median of each, their ratio, and the query plans of the FAB statements.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, render_template_string, request  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

import config  # noqa: E402
from app import create_app  # noqa: E402
from app.domain.identity import normalize_id_number  # noqa: E402
from app.domain.masking import mask_id_number  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Institution, Physician, Region  # noqa: E402
from app.security.scope import scoped  # noqa: E402

PAGE_SIZE = 25
LIST = "/physicianview/list/"
BARE = "/bench/bare/"
ROW = re.compile(r'href="/physicianview/show/\d+"')
TABLE = """<!doctype html><html><body><p>{{ count }}</p><table>
{% for p, inst, region in rows %}<tr><td>{{ p.name }}</td><td>{{ mask(p.id_number) }}</td>
<td>{{ p.gender }}</td><td>{{ p.status }}</td><td>{{ inst or "" }}</td><td>{{ region or "" }}</td>
<td><a href="/physicianview/show/{{ p.id }}">show</a></td></tr>{% endfor %}
</table></body></html>"""


def add_bare_route(app: Flask) -> None:
    """Register the baseline: the list's count and SELECT, rendered in a minimal table."""

    @app.route(BARE)
    def bare_list():
        conditions = []
        if name := request.args.get("_flt_0_name"):
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(Physician.name.like(escaped + "%", escape="\\"))
        if number := request.args.get("_flt_0_id_number"):
            conditions.append(Physician.id_number == normalize_id_number(number))
        page = int(request.args.get("page_PhysicianView", 0))
        count = db.session.scalar(
            scoped(select(func.count()).select_from(Physician).where(*conditions), Physician)
        )
        statement = (
            select(Physician, Institution.name, Region.name)
            .outerjoin(Institution, Physician.institution_id == Institution.id)
            .outerjoin(Region, Physician.region_code == Region.code)
            .where(*conditions)
            .order_by(Physician.id.desc())
            .offset(page * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        rows = db.session.execute(scoped(statement, Physician)).all()
        return render_template_string(TABLE, rows=rows, count=count, mask=mask_id_number)


def login(client, username: str, password: str) -> None:
    """Log in through the real form, CSRF token included."""
    body = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', body
    )
    response = client.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "login failed"


def median_ms(client, url: str, runs: int, warmup: int = 3) -> tuple[float, int]:
    """Return the median wall time of GET ``url`` in ms, and the rows the page shows."""
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(ROW.findall(response.get_data(as_text=True)))


def plans(app: Flask, client, url: str) -> list[str]:
    """Return one summary line of the query plan per physician statement a FAB request runs."""
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM physician" in statement:
            captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        client.get(url)
        event.remove(engine, "before_cursor_execute", record)
        postgres = engine.dialect.name == "postgresql"
        summaries = []
        with engine.connect() as conn:
            for statement, parameters in captured:
                prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                lines = [str(row[0] if postgres else row[-1]) for row in rows]
                scans = [
                    line.strip() for line in lines
                    if re.search(r"Scan|SCAN|SEARCH", line) and "physician" in line
                ]
                kind = "count " if "count(" in statement.lower() else "select"
                summaries.append(f"{kind}: " + " | ".join(scans or lines[:1]))
    return summaries


def main() -> None:
    """Parse the command line, run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--deep-page", type=int, default=2000)
    parser.add_argument("--user", default="reviewer")
    args = parser.parse_args()

    settings = type("BenchConfig", (config.Config,), {
        "SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
    })
    app = create_app(settings)
    add_bare_route(app)
    client = app.test_client()
    login(client, args.user, app.config["DEMO_PASSWORD"])
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Physician))
        probe = db.session.scalar(select(Physician.id_number).where(Physician.id >= total // 2).limit(1))

    cases = [
        ("page 1", ""),
        (f"page {args.deep_page}", f"page_PhysicianView={args.deep_page}"),
        ("ID-number search", f"_flt_0_id_number={probe}"),
        ("name prefix 张", "_flt_0_name=张"),
    ]
    print(f"{total:,} physicians, {args.runs} runs per case, user {args.user}, {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"{'case':<18} {'FAB ms':>9} {'bare ms':>9} {'ratio':>6} {'rows':>9}")
    for label, query in cases:
        fab, fab_rows = median_ms(client, f"{LIST}?{query}", args.runs)
        bare, bare_rows = median_ms(client, f"{BARE}?{query}", args.runs)
        print(f"{label:<18} {fab:>9.1f} {bare:>9.1f} {fab / bare:>5.2f}x {fab_rows:>4}/{bare_rows:<4}")
    print("\nquery plans of the FAB list statements:")
    for label, query in cases:
        for line in plans(app, client, f"{LIST}?{query}"):
            print(f"  {label:<18} {line}")


if __name__ == "__main__":
    main()
