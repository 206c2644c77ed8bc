"""Time the season's pages (window, drill-down, institution, dashboard, rows, audit log) against their own SQL.

    .venv/bin/python bench/season_pages.py --database-url URL [--runs 15] [--year Y]

One process, one app, one database (``flask seed-demo`` before ``bench/generate.py``). Each case
logs in through the real form, warms the page up, then records every statement one request sends
(an SQLAlchemy ``before_cursor_execute`` listener: the aggregates of app/window/ and app/reports/,
the user's own row, the calendar). The baseline replays exactly those statements, with the same
parameters, on one connection of the same engine, fetching every row. Prints the median of
``--runs`` page requests, the median of ``--runs`` replays, their ratio and the statements per page.

Next to them, the site's shell: an empty page of the same layout (menu, header, footer) for the
same user, its user's row read as every page reads it (``/bench/shell/``, registered here only).
What a page costs beyond its SQL and the shell is what the page itself does (building its
statements, its table, its charts); where the SQL takes a few ms the shell, not the data, sets the
first ratio, so the second one is the page against its SQL plus the shell.
The year defaults to the newest full cohort in the data; the date range to the year of submissions
ending with the newest one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, abort, render_template  # noqa: E402
from flask_login import current_user  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

import config  # noqa: E402
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Application, Physician, Qualification  # noqa: E402
from bench.list_pages import login  # noqa: E402

WARMUP = 3
SHELL = "/bench/shell/"


def add_shell_route(app: Flask) -> None:
    """Register /bench/shell/: the site's layout with no content, for the logged-in user."""

    @app.route(SHELL)
    def shell():
        if not current_user.is_authenticated:  # reads the user's row, as every page does
            abort(403)
        appbuilder = app.appbuilder
        return render_template("base.html", appbuilder=appbuilder, base_template=appbuilder.base_template)


def page_ms(client, url: str, runs: int) -> float:
    """Return the median wall time of GET ``url`` in ms (after the warm-up)."""
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def capture(app: Flask, client, url: str) -> list[tuple[str, object]]:
    """Return every statement (text and parameters) one request of ``url`` sends to the database.

    Only the request's own: the app's background threads (the outbox and job workers polling their
    queues) use the same engine meanwhile.
    """
    captured: list[tuple[str, object]] = []
    requester = threading.get_ident()

    def record(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == requester:
            captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (url, response.status_code)
    return captured


def replay_ms(app: Flask, statements: list[tuple[str, object]], runs: int) -> float:
    """Return the median time in ms of sending ``statements`` again on one connection, all rows fetched."""
    times = []
    with app.app_context(), db.engine.connect() as conn:
        for number in range(WARMUP + runs):
            started = time.perf_counter()
            for statement, parameters in statements:
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    conn.exec_driver_sql(statement, parameters).all()
            if number >= WARMUP:
                times.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    return statistics.median(times)


def defaults(app: Flask) -> tuple[int, int, int, dt.date, dt.date]:
    """Return the physicians, applications, the newest cohort and a one-year range ending with the newest submission."""
    with app.app_context():
        physicians = db.session.scalar(select(func.count()).select_from(Physician))
        applications = db.session.scalar(select(func.count()).select_from(Application))
        sizes = db.session.execute(select(Qualification.exam_year, func.count()).group_by(Qualification.exam_year)).all()
        newest = db.session.scalar(select(func.max(Application.submitted_at)))
    biggest = max((n for _year, n in sizes), default=0)
    # the newest full cohort: the demo's few qualifications of a later year would show an empty funnel
    year = max((y for y, n in sizes if n * 2 >= biggest), default=dt.date.today().year)
    last = (newest + dt.timedelta(hours=8)).date() if newest else dt.date.today()
    return physicians, applications, year, last - dt.timedelta(days=364), last


def cases(year: int, first: dt.date, last: dt.date) -> list[tuple[str, str, str]]:
    """Return (label, user, url) of every case."""
    period = {"from": first.isoformat(), "to": last.isoformat()}
    return [
        ("window, national", "reviewer", f"/commission/window/?year={year}"),
        ("window, 北京", "reviewer_11", f"/commission/window/?year={year}"),
        ("province 110000, national", "reviewer", f"/commission/window/110000/?year={year}"),
        ("province 110000, 北京", "reviewer_11", f"/commission/window/110000/?year={year}"),
        ("institution window", "inst_admin", f"/institution/window/?year={year}"),
        ("dashboard, national", "reviewer", f"/commission/dashboard/?{urlencode(period)}"),
        ("dashboard, 北京", "reviewer_11", f"/commission/dashboard/?{urlencode(period)}"),
        ("rows: all, national", "reviewer", f"/commission/dashboard/rows/?{urlencode(period)}"),
        ("rows: approved, 北京", "reviewer_11",
         f"/commission/dashboard/rows/?{urlencode({**period, 'status': 'approved'})}"),
        ("rows: overdue, national", "reviewer", "/commission/dashboard/rows/?overdue=1"),
        ("audit log, national", "reviewer", f"/audit/log/?{urlencode(period)}"),
        ("audit log, 北京", "reviewer_11", f"/audit/log/?{urlencode(period)}"),
    ]


def main() -> None:
    """Parse the command line, run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--year", type=int, help="cohort shown (default: the newest full cohort in the data)")
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    args = parser.parse_args()
    settings = type("BenchConfig", (config.Config,), {
        "SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
    })
    app = create_app(settings)
    add_shell_route(app)
    physicians, applications, newest, first, last = defaults(app)
    year = args.year or newest
    print(f"{physicians:,} physicians, {applications:,} applications, cohort {year}, range {first} to {last}, "
          f"{args.runs} runs per case, {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"{'case':<28} {'page ms':>9} {'SQL ms':>9} {'ratio':>6} {'statements':>11} {'shell ms':>9} "
          f"{'page-SQL-shell':>15} {'vs SQL+shell':>13}")
    clients: dict[str, object] = {}
    for label, user, url in cases(year, first, last):
        if args.only not in label:
            continue
        if user not in clients:
            clients[user] = app.test_client()
            login(clients[user], user, app.config["DEMO_PASSWORD"])
        client = clients[user]
        page = page_ms(client, url, args.runs)
        shell = page_ms(client, SHELL, args.runs)
        statements = capture(app, client, url)
        raw = replay_ms(app, statements, args.runs)
        print(f"{label:<28} {page:>9.1f} {raw:>9.1f} {page / raw:>5.2f}x {len(statements):>11} {shell:>9.1f} "
              f"{page - raw - shell:>15.1f} {page / (raw + shell):>12.2f}x")


if __name__ == "__main__":
    main()
