"""Run the production topology on one machine: app instances and workers on one PostgreSQL and one Redis.

    .venv/bin/python tools/cluster.py --database-url postgresql+psycopg2://… --redis-url redis://… \
        [--ports 8081,8082] [--gunicorn-workers 2] [--workers 2] [--prepare]

* each port gets one app instance: `gunicorn --workers N run:app` (JOBS_IN_PROCESS=0, the rate
  limits in Redis, so a client's quota is shared by every instance and worker process);
* ``--workers`` background workers: `flask jobs work --loop`, each running the job table (imports,
  large exports, the day's reminders job it enqueues after REMINDERS_AT) and delivering the outbox;
  every row is taken by one worker at a time (app/lease.py), so each message and reminder goes once;
* ``--prepare`` migrates the database and loads the roles (and the demo data when it is empty).

Every other setting (SECRET_KEY, SMTP_*, NOTIFY_*, REMINDERS_AT…) comes from the environment, as in
production. The script prints one line per service, then ``cluster ready: <urls>``, and stops every
process on SIGTERM or SIGINT; when one of them dies the others are stopped and it exits 1.
`make serve-cluster` starts a local PostgreSQL and Redis and runs it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def environment(database_url: str, redis_url: str) -> dict[str, str]:
    """Return the environment every process of the cluster shares."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "JOBS_IN_PROCESS": "0",
        "FLASK_APP": "run.py",
        "PYTHONUNBUFFERED": "1",
    })
    env.setdefault("SECRET_KEY", "cluster-demo-secret-" + "x" * 32)
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate, load roles and regions, and seed the demo data (seed-demo leaves a non-empty database alone)."""
    flask = str(BIN / "flask")
    for args in (["db", "upgrade"], ["init"], ["seed-demo"]):
        subprocess.run([flask, *args], cwd=ROOT, env=env, check=True)


def start(name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start one service in its own process group (so stopping it stops its children)."""
    print(f"starting {name}: {' '.join(argv)}", flush=True)
    return subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(urls: list[str], processes: dict[str, subprocess.Popen], timeout: float = 120) -> None:
    """Wait until every instance answers its login page; fail if a process dies meanwhile."""
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode} before the cluster was ready")
        try:
            with urllib.request.urlopen(pending[0] + "/login/", timeout=2) as response:
                if response.status == 200:
                    pending.pop(0)
                    continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{pending[0]} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def stop_all(processes: dict[str, subprocess.Popen], grace: float = 20) -> None:
    """SIGTERM every service's process group, then SIGKILL what is left after ``grace`` seconds."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes.values():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL shared by every process")
    parser.add_argument("--redis-url", required=True, help="Redis URL of the shared rate-limit store")
    parser.add_argument("--ports", default="8081,8082", help="one app instance per port (default 8081,8082)")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--workers", type=int, default=2, help="background workers (jobs and outbox)")
    parser.add_argument("--worker-interval", type=float, default=2.0, help="seconds a worker waits when idle")
    parser.add_argument("--prepare", action="store_true", help="migrate, init and seed the demo first")
    args = parser.parse_args(argv)

    env = environment(args.database_url, args.redis_url)
    if args.prepare:
        prepare(env)
    ports = [int(port) for port in args.ports.split(",") if port.strip()]
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        for port in ports:
            processes[f"app:{port}"] = start(f"app:{port}", [
                str(BIN / "gunicorn"), "--workers", str(args.gunicorn_workers), "--bind", f"127.0.0.1:{port}",
                "--graceful-timeout", "10", "run:app"], env)
        for number in range(1, args.workers + 1):
            processes[f"worker:{number}"] = start(f"worker:{number}", [
                str(BIN / "flask"), "jobs", "work", "--loop", "--interval", str(args.worker_interval)], env)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        wait_ready(urls, processes)
        print("cluster ready: " + " ".join(urls), flush=True)
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the cluster", file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        stop_all(processes)
        print("cluster stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
