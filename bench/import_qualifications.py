"""The qualification import against its raw floor, on fresh SQLite and PostgreSQL databases.

Usage:
  python bench/import_qualifications.py --rows 500000 [--postgres postgresql+psycopg2://u@host:port/postgres]

For each database: migrate a template once; then, on its own fresh copy each, (1) run
`flask import-qualifications FILE` (the real command: reading, checks, batched upsert, the same
code path as the browser's job) and (2) the raw floor: the same rows, parsed with csv and put
into the same table and indexes with the driver's batch insert (sqlite3 executemany;
psycopg2 execute_values), 5,000 rows a transaction. Times are wall clock; RSS is the child's peak
(ru_maxrss). The ratio is import / floor, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000

FLOOR = r'''
import csv, sys, time, datetime as dt
url, path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
LEVELS = {"执业医师": "physician", "执业助理医师": "assistant"}
CATEGORIES = {"临床": "clinical", "口腔": "dental", "公共卫生": "public_health", "中医": "tcm"}
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
def rows():
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cert, name, _t, idn, level, cat, year, pub, iss in reader:
            yield (cert, name, "resident", idn, LEVELS[level], CATEGORIES[cat], cert[4:6] + "0000", int(year),
                   dt.date.fromisoformat(pub), dt.date.fromisoformat(iss.replace("/", "-")), now)
cols = "certificate_no, name, id_type, id_number, level, category, province_code, exam_year, published_on, issued_on, imported_at"
started = time.perf_counter()
if url.startswith("sqlite"):
    import sqlite3
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    db.execute("PRAGMA foreign_keys=ON")
    insert = lambda chunk: db.executemany(f"INSERT INTO qualification ({cols}) VALUES ({','.join('?' * 11)})", chunk)
else:
    import psycopg2, psycopg2.extras
    db = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    cursor = db.cursor()
    insert = lambda chunk: psycopg2.extras.execute_values(cursor, f"INSERT INTO qualification ({cols}) VALUES %s", chunk, page_size=1000)
chunk = []
for row in rows():
    chunk.append(row)
    if len(chunk) == batch:
        insert(chunk); db.commit(); chunk = []
insert(chunk); db.commit()
print(f"{time.perf_counter() - started:.2f}")
'''


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    """Run a flask command against ``url``."""
    env = os.environ | {"DATABASE_URL": url, "FLASK_APP": "run.py", "JOBS_IN_PROCESS": "0"}
    return subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)


def child(command: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """Run a child process; return (wall seconds, its own peak RSS in MB, stdout, its CPU seconds)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode not in (0, 1):
            sys.exit(f"{command[:3]} failed: {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read(), usage.ru_utime + usage.ru_stime


def measure(fresh, path: Path) -> dict[str, float]:
    """Import into one fresh copy and run the floor into another; return the figures."""
    first, second = fresh(), fresh()
    env = os.environ | {"DATABASE_URL": first, "FLASK_APP": "run.py", "JOBS_IN_PROCESS": "0"}
    seconds, rss, out, cpu = child([str(ROOT / ".venv/bin/flask"), "import-qualifications", str(path)], env)
    inner = re.search(r"([\d.]+) ?秒|in ([\d.]+) seconds", out)
    _wall, floor_rss, floor_out, floor_cpu = child([sys.executable, "-c", FLOOR, second, str(path), str(BATCH)])
    return {"import_s": seconds, "import_inner_s": float(next(g for g in inner.groups() if g)) if inner else seconds,
            "import_rss": rss, "import_cpu": cpu, "floor_s": float(floor_out.strip()), "floor_rss": floor_rss,
            "floor_cpu": floor_cpu}


def best(runs: int, fresh, path: Path) -> dict[str, float]:
    """Return the run with the best ratio of ``runs`` (the machine is shared: the minimum is the signal)."""
    results = [measure(fresh, path) for _ in range(runs)]
    return min(results, key=lambda f: f["import_inner_s"] / f["floor_s"])


def sqlite_setup(workdir: Path):
    """Migrate a template SQLite file; return a maker of fresh copies."""
    template = workdir / "template.db"
    for args in (["db", "upgrade"], ["init"]):
        result = flask(f"sqlite:///{template}", *args)
        assert result.returncode == 0, result.stderr[-2000:]
    counter = iter(range(1000))

    def fresh() -> str:
        copy = workdir / f"fresh{next(counter)}.db"
        shutil.copy(template, copy)
        return f"sqlite:///{copy}"
    return fresh


def postgres_setup(admin_url: str):
    """Migrate a template database on the server of ``admin_url``; return a maker of fresh copies and a cleanup."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    suffix = os.getpid()
    names = [f"import_tpl_{suffix}"]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{names[0]}"'))
    template_url = re.sub(r"/[^/]*$", f"/{names[0]}", admin_url)
    for args in (["db", "upgrade"], ["init"]):
        result = flask(template_url, *args)
        assert result.returncode == 0, result.stderr[-2000:]

    def fresh() -> str:
        name = f"import_run_{suffix}_{len(names)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"'))
        names.append(name)
        return re.sub(r"/[^/]*$", f"/{name}", admin_url)

    def cleanup() -> None:
        with admin.connect() as conn:
            for name in reversed(names):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return fresh, cleanup


def main() -> None:
    """Make the input, run both databases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--file", type=Path, help="an existing input (default: made by make_qualifications.py)")
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server (databases are created and dropped)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--runs", type=int, default=1, help="pairs of runs per database (the best ratio is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        workdir = Path(tmp)
        path = args.file
        if path is None:
            path = workdir / "q.csv"
            subprocess.run([sys.executable, str(ROOT / "bench/make_qualifications.py"), str(args.rows), str(path)],
                           check=True, capture_output=True)
        rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
        print(f"{rows:,} rows from {path.name}")
        print("| database | import (s) | raw floor (s) | ratio | CPU import / floor (s) | CPU ratio "
              "| peak RSS import / floor (MB) |")
        print("|---|---|---|---|---|---|---|")
        if not args.no_sqlite:
            _print("SQLite", best(args.runs, sqlite_setup(workdir), path))
        if args.postgres:
            fresh, cleanup = postgres_setup(args.postgres)
            try:
                _print("PostgreSQL", best(args.runs, fresh, path))
            finally:
                cleanup()


def _print(name: str, f: dict[str, float]) -> None:
    print(f"| {name} | {f['import_inner_s']:.1f} (process {f['import_s']:.1f}) | {f['floor_s']:.1f} | "
          f"{f['import_inner_s'] / f['floor_s']:.2f}× | {f['import_cpu']:.1f} / {f['floor_cpu']:.1f} | "
          f"{f['import_cpu'] / f['floor_cpu']:.2f}× | {f['import_rss']:.0f} / {f['floor_rss']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
