"""The system under load: locust's 50 users against gunicorn, PostgreSQL and Redis on this machine.

    .venv/bin/python bench/load.py --database-url postgresql+psycopg2://…/bench [--users 50]
        [--run-time 60s] [--app-workers 4] [--submitted 2000]        (or: make bench-load)

The database is a prepared bench database (``flask db upgrade && flask init && flask seed-demo``,
then ``bench/generate.py``); ``--submitted`` adds that many 待确认 applications at the demo clerk's
hospital (inst_admin) so that the clerks' confirmations never run dry. A redis-server is started on
a free port for the rate limits, gunicorn serves ``bench.load_app:app`` (the production settings:
the limits counted in Redis, no in-process jobs) and locust (in .venv-load, made from
requirements-load.txt) runs bench/locustfile.py headless. Prints requests per second, p50 and p95
per endpoint and the errors, with each endpoint's p50 as a multiple of the trivial ``/healthz``
measured in the same run. Exit 1 on any error: zero is the bar.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
BIN = Path(sys.executable).parent
TRIVIAL = "/healthz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_submitted(database_url: str, count: int) -> None:
    """Add ``count`` applications waiting for inst_admin's confirmation (Core rows, summaries kept)."""
    if count <= 0:
        return
    from sqlalchemy import update

    import config
    from app import create_app
    from app.extensions import db
    from app.models import Application
    from app.summaries.track import touch_applications
    from bench.bulk_approval import prepare

    app = create_app(type("LoadPrepare", (config.Config,), {"SQLALCHEMY_DATABASE_URI": database_url}))
    with app.app_context():
        ids = prepare(count)
        db.session.execute(update(Application).where(Application.id.in_(ids))
                           .values(status="submitted", confirmed_at=None))
        touch_applications(db.session, ids)
        db.session.commit()


def start_redis(directory: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", directory],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def report(stats_csv: Path, failures_csv: Path) -> int:
    """Print the per-endpoint table; return the number of failed requests."""
    with stats_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    endpoints = {row["Name"]: row for row in rows if row["Name"] != "Aggregated"}
    total = next(row for row in rows if row["Name"] == "Aggregated")
    trivial = float(endpoints[TRIVIAL]["50%"]) if TRIVIAL in endpoints else None
    print(f"| Endpoint | Requests | Requests/s | p50 ms | p95 ms | Errors | p50 / {TRIVIAL} p50 |")
    print("|---|---|---|---|---|---|---|")
    for name, row in sorted(endpoints.items(), key=lambda item: -float(item[1]["50%"])):
        ratio = f"{float(row['50%']) / trivial:.1f}×" if trivial else "—"
        print(f"| {row['Type']} {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | "
              f"{row['95%']} | {row['Failure Count']} | {ratio} |")
    print(f"| all | {total['Request Count']} | {float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} | "
          f"{total['Failure Count']} | |")
    with failures_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            print(f"error: {row['Method']} {row['Name']}: {row['Error']} ×{row['Occurrences']}")
    return int(total["Failure Count"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--app-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--submitted", type=int, default=2000, help="applications added for the clerks to confirm")
    args = parser.parse_args(argv)
    if not LOCUST.exists():
        raise SystemExit("locust is missing: python3 -m venv .venv-load && .venv-load/bin/pip install -r "
                         "requirements-load.txt (or run `make bench-load`)")
    add_submitted(args.database_url, args.submitted)
    work = Path(tempfile.mkdtemp(prefix="registry-load."))
    redis_process, redis_port = start_redis(str(work))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
           "JOBS_IN_PROCESS": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "load-test-secret-" + "x" * 32)}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(args.app_workers), "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "bench.load_app:app"],
                              cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + TRIVIAL, server)
        print(f"locust: {args.users} users, {args.run_time}, gunicorn {args.app_workers} workers, "
              f"PostgreSQL, Redis ({base})", flush=True)
        subprocess.run([str(LOCUST), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
                        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time, "--host", base,
                        "--csv", str(work / "load"), "--loglevel", "WARNING"], cwd=ROOT, check=False)
        errors = report(work / "load_stats.csv", work / "load_failures.csv")
    finally:
        server.terminate()
        server.wait(timeout=30)
        redis_process.terminate()
        redis_process.wait(timeout=10)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
