"""Time the institution's and the commission's application queues against a bare Flask route.

    .venv/bin/python bench/queue_pages.py --database-url URL [--runs 15]

One process, one app, one database (``flask seed-demo`` before ``bench/generate.py``). Each case
logs in through the real form, then takes the median of ``--runs`` requests (after 3 warm-ups)
of the real queue page and of a bare route registered on the same app that runs the same
``count(*)`` and the same SELECT (the user's row scope, the queue's default statuses, the same
ORDER BY, OFFSET and LIMIT, the physician and institution joined) and renders the 25 rows in a
minimal Jinja table. Prints both, their ratio, the rows each shows and the plan of each statement.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, render_template_string, request  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

import config  # noqa: E402
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Application, Institution, Physician  # noqa: E402
from app.security.scope import current_scope, scoped  # noqa: E402
from app.views.applications import PAGE_SIZE, queue_order  # noqa: E402
from bench.list_pages import login, paired_ms  # noqa: E402

BARE = "/bench/bare-queue/"
ROW = re.compile(r'href="/(?:institution|commission)/applications/\d+"')
TABLE = """<!doctype html><html><body><p>{{ count }}</p><table>
{% for a, name, inst in rows %}<tr><td>{{ a.number }}</td><td>{{ a.type }}</td><td>{{ name }}</td>
<td>{{ inst }}</td><td>{{ a.status }}</td><td>{{ a.accept_due or a.decide_due or "" }}</td>
<td><a href="/{{ queue }}/applications/{{ a.id }}">open</a></td></tr>{% endfor %}
</table></body></html>"""
STATUSES = {"institution": ["submitted"], "commission": ["pending_acceptance", "accepted"]}


def add_bare_route(app: Flask) -> None:
    """Register the baseline: the queue's count and SELECT, rendered in a minimal table."""

    @app.route(BARE)
    def bare_queue():
        queue = request.args.get("queue", "commission")
        page = int(request.args.get("page", 1))
        statement = scoped(select(Application), Application, current_scope()).where(
            Application.status.in_(STATUSES[queue]))
        count = db.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = db.session.execute(
            scoped(select(Application, Physician.name, Institution.name), Application, current_scope())
            .join(Physician, Physician.id == Application.physician_id)
            .join(Institution, Institution.id == Application.institution_id)
            .where(Application.status.in_(STATUSES[queue]))
            .order_by(*queue_order(STATUSES[queue])).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        ).all()
        return render_template_string(TABLE, rows=rows, count=count, queue=queue)


def plans(app: Flask, client, url: str) -> list[str]:
    """Return one summary line of the query plan per application statement a request runs."""
    captured: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM application" in statement and not statement.lstrip().upper().startswith("EXPLAIN"):
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
                scans = [line.strip() for line in lines if re.search(r"Scan|SCAN|SEARCH|Sort", line)]
                summaries.append(" | ".join(scans or lines[:1])[:160])
    return summaries


def main() -> None:
    """Parse the command line, run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--deep-page", type=int, default=200)
    args = parser.parse_args()
    settings = type("BenchConfig", (config.Config,), {
        "SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING",
    })
    app = create_app(settings)
    add_bare_route(app)
    with app.app_context():
        physicians = db.session.scalar(select(func.count()).select_from(Physician))
        applications = db.session.scalar(select(func.count()).select_from(Application))
    cases = [
        ("commission, national, page 1", "reviewer", "commission", 1),
        (f"commission, national, page {args.deep_page}", "reviewer", "commission", args.deep_page),
        ("commission, 北京, page 1", "reviewer_11", "commission", 1),
        ("institution, page 1", "inst_admin", "institution", 1),
    ]
    print(f"{physicians:,} physicians, {applications:,} applications, {args.runs} runs per case, "
          f"{app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    print(f"{'case':<32} {'page ms':>9} {'bare ms':>9} {'ratio':>6} {'rows':>9}")
    explained = []
    for label, user, queue, page in cases:
        client = app.test_client()
        login(client, user, app.config["DEMO_PASSWORD"])
        url = f"/{queue}/applications/?page={page}"
        ours, bare = paired_ms(client, url, f"{BARE}?queue={queue}&page={page}", args.runs)
        our_rows = len(ROW.findall(client.get(url).get_data(as_text=True)))
        bare_rows = len(ROW.findall(client.get(f"{BARE}?queue={queue}&page={page}").get_data(as_text=True)))
        print(f"{label:<32} {ours:>9.1f} {bare:>9.1f} {ours / bare:>5.2f}x {our_rows:>4}/{bare_rows:<4}")
        explained.append((label, plans(app, client, url)))
    print("\nquery plans of the queue page's application statements:")
    for label, lines in explained:
        for line in lines:
            print(f"  {label:<32} {line}")


if __name__ == "__main__":
    main()
