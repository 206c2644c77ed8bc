"""The production topology, run as `make serve-cluster` runs it (tools/cluster.py): two app instances
(two gunicorn workers each) and two background workers on one PostgreSQL and one Redis.

Every request is answered by both instances, a client's login quota is one quota whichever instance
counts it, each outbox message reaches the SMTP server once although two dispatchers race for it,
and each reminder is written once although both workers schedule the day's reminders job and two
more runs of the same day race. PostgreSQL only (TEST_DATABASE_URL): that is the topology's database.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select

from app.domain.clock import today_in_beijing
from app.models import Job, Message, Reminder
from app.reminders.job import KIND, job_key
from tests.conftest import PG_URL, pg_database
from tests.servers import free_port, smtp_server, start_redis, stop_process

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="the cluster runs on PostgreSQL (set TEST_DATABASE_URL)"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 60
DEC_22 = dt.date(2026, 12, 22)  # a day on which every kind of reminder is due in the demo


def _post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _wait_for(condition, timeout: float = 90.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def cluster(template_db, tmp_path):
    """Start tools/cluster.py on a copy of the seeded database; yield (urls, engine, SMTP envelopes)."""
    redis_process, redis_port = start_redis(tmp_path)
    with smtp_server() as (smtp_port, envelopes), pg_database("registry_cluster", template=template_db) as url:
        engine = create_engine(url)
        ports = [free_port(), free_port()]
        env = {**os.environ, "NOTIFY_EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
               "NOTIFY_SMS_BACKEND": "log", "NOTIFY_LOG_FILE": str(tmp_path / "outbox.log"),
               "REMINDERS_AT": "00:00", "AUTH_ACCOUNT_RATE_LIMIT": "4 per minute",
               "UPLOAD_DIR": str(tmp_path / "uploads"), "EXPORT_DIR": str(tmp_path / "exports")}
        process = subprocess.Popen(
            [sys.executable, "tools/cluster.py", "--database-url", url,
             "--redis-url", f"redis://127.0.0.1:{redis_port}/0", "--ports", ",".join(map(str, ports)),
             "--worker-interval", "0.2"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            for line in process.stdout:
                if line.startswith("cluster ready:"):
                    break
            else:
                pytest.fail("the cluster did not start")
            yield [f"http://127.0.0.1:{port}" for port in ports], engine, envelopes
        finally:
            process.terminate()
            output = process.stdout.read()
            assert process.wait(timeout=60) == 0, output[-3000:]
            assert "cluster stopped" in output
            process.stdout.close()
            engine.dispose()
            stop_process(redis_process)


def test_the_cluster_answers_shares_limits_and_sends_each_message_and_reminder_once(cluster):
    urls, engine, envelopes = cluster

    # Every request is answered, by both instances (each with two gunicorn workers).
    for _round in range(10):
        for url in urls:
            status, page = _get(url + "/lookup/")
            assert status == 200 and "医师执业注册信息查询" in page

    # One quota per login name, whichever instance counts: four failures in all, then refused on both.
    login = "/api/v1/security/login"
    wrong = {"username": "nobody", "password": "Wrong@12345", "provider": "db"}
    assert [_post_json(urls[n % 2] + login, wrong) for n in range(4)] == [401] * 4
    assert [_post_json(url + login, wrong) for url in urls] == [429, 429]

    # Two dispatchers race for the outbox: each message reaches the SMTP server once.
    with engine.begin() as conn:
        conn.execute(insert(Message), [
            {"channel": "email", "recipient": f"doctor{n}@example.cn", "template": "signup_code",
             "subject": "验证码", "body": f"您的验证码是 {n:06d}"} for n in range(MESSAGES)])
        # and two more runs of one day's reminders race the workers' own job of today
        for key in (job_key(DEC_22), None):
            conn.execute(insert(Job).values(kind=KIND, params={"day": DEC_22.isoformat()}, key=key))

    expected_jobs = len({job_key(DEC_22), job_key(today_in_beijing())}) + 1

    def outbox_settled() -> bool:
        with engine.connect() as conn:
            pending = conn.scalar(select(func.count()).select_from(Message).where(Message.status == "pending"))
            jobs = conn.execute(select(Job.kind, Job.status).where(Job.kind == KIND)).all()
        return pending == 0 and len(jobs) == expected_jobs and {status for _kind, status in jobs} == {"done"}

    _wait_for(outbox_settled, what="the outbox to be delivered and the reminders jobs to be done")
    with engine.connect() as conn:
        emails = conn.execute(select(Message.recipient).where(Message.channel == "email")).scalars().all()
        assert conn.scalar(select(func.count()).select_from(Message).where(Message.status != "sent")) == 0
        today_jobs = conn.execute(select(Job.key).where(
            Job.kind == KIND, Job.key != job_key(DEC_22), Job.key.is_not(None))).scalars().all()
        reminders = conn.execute(select(Reminder.kind, Reminder.recipient_type, Reminder.recipient_id,
                                        Reminder.key)).all()
        recorded = conn.scalar(select(func.coalesce(func.sum(Reminder.messages), 0)))
        reminder_messages = conn.execute(select(Message.template, Message.recipient)
                                         .where(Message.template.startswith("reminder_"))).all()
    assert today_jobs == [job_key(today_in_beijing())] or today_in_beijing() == DEC_22  # both scheduled it: one job
    assert {kind for kind, *_rest in reminders} >= {"window_closing", "confirmation_waiting", "review_digest"}
    assert len(reminders) == len(set(reminders))
    # a run that lost the race for a record wrote none of its messages: the outbox holds exactly the
    # messages the records account for (the two runs of one day would otherwise have doubled them)
    assert len(reminder_messages) == recorded > 0

    received = collections.Counter(rcpt for envelope in envelopes for rcpt in envelope.rcpt_tos)
    assert received == collections.Counter(emails)  # every e-mail in the outbox, each message once
    assert all(received[f"doctor{n}@example.cn"] == 1 for n in range(MESSAGES))
