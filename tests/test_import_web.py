"""导入考试结果 in the browser: dry run, confirm, job, refused rows, audit, jurisdiction, concurrency."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import threading

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.imports import job as import_job
from app.jobs.runner import run_due, run_job
from app.models import Job, Qualification, SecurityEvent
from app.models._base import utcnow
from tests.conftest import PASSWORD, csrf_token, login
from tests.test_import_qualifications import HEADER, record

INDEX = "/commission/imports/"


def csv_bytes(rows, encoding="utf-8") -> bytes:
    """Return a CSV file's bytes."""
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def upload(client, data: bytes, name: str = "成绩.csv"):
    """Post a file to the upload form; return the response."""
    token = csrf_token(client, INDEX)
    return client.post(INDEX + "upload", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def job_id_of(response) -> int:
    """Return the job id a redirect points at."""
    return int(re.search(r"/commission/imports/(\d+)/", response.headers["Location"]).group(1))


def signed_in(app, username):
    """A client logged in as ``username``."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def mixed_rows():
    """Rows for 北京's reviewer: 2 new, 1 refused (bad ID), 1 of Shanghai (outside), 1 repeated."""
    good1, good2 = record(101, "导入甲"), record(102, "导入乙")
    bad = record(103, "坏证件")
    bad[3] = bad[3][:-1] + ("0" if bad[3][-1] != "0" else "1")
    shanghai = record(104, "上海人", county="310101")
    return [good1, good2, bad, shanghai, list(good1)]


def count(app) -> int:
    """Count qualification rows."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Qualification))


def test_dry_run_then_confirm_imports_with_counts_reasons_audit_and_refused_workbook(app):
    client = signed_in(app, "reviewer_11")
    before = count(app)
    response = upload(client, csv_bytes(mixed_rows(), "gbk"))  # Excel's GBK "CSV"
    assert response.status_code == 302
    check = job_id_of(response)
    page = client.get(f"{INDEX}{check}/").get_data(as_text=True)
    assert 'id="import-bar"' in page  # queued: the progress bar polls the status
    assert client.get(f"{INDEX}{check}/status").get_json()["finished"] is False
    with app.app_context():
        assert run_due() == 1
    status = client.get(f"{INDEX}{check}/status").get_json()
    assert (status["finished"], status["percent"], status["dry_run"]) == (True, 100, True)
    page = client.get(f"{INDEX}{check}/").get_data(as_text=True)
    counts = dict(re.findall(r'id="count-(\w+)">([\d,]+)<', page))
    assert counts == {"read": "5", "new": "2", "changed": "0", "unchanged": "0", "refused": "3"}
    assert "校验码" in page and "不属于" in page and "已在第 2 行出现" in page, page[page.find("refused-rows"):][:2000]
    assert count(app) == before  # a dry run writes nothing

    token = csrf_token(client, f"{INDEX}{check}/")
    confirmed = client.post(f"{INDEX}{check}/confirm", data={"csrf_token": token})
    again = client.post(f"{INDEX}{check}/confirm", data={"csrf_token": token})
    assert job_id_of(confirmed) == job_id_of(again)  # confirmed twice: one import
    real = job_id_of(confirmed)
    with app.app_context():
        assert run_due() == 1
    assert count(app) == before + 2
    page = client.get(f"{INDEX}{real}/").get_data(as_text=True)
    assert 'id="import-done"' in page and 'id="count-new">2<' in page
    with app.app_context():
        events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "qualifications_imported")).all()
        assert len(events) == 1 and "成绩.csv" in events[0].detail and "inserted 2" in events[0].detail
        assert events[0].actor_id is not None and events[0].region_code == "110000"

    download = client.get(f"{INDEX}{real}/refused.xlsx")
    assert download.status_code == 200
    data = download.data
    download.close()
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][1:10] == tuple(HEADER) and "证件号码" in rows[0][13]
    assert [r[0] for r in rows[1:]] == [4, 5, 6]
    assert rows[1][4] == mixed_rows()[2][3] and "校验码" in rows[1][13]  # the row as read, the reason by column


def test_xlsx_upload_and_empty_or_wrong_files_are_refused_in_chinese(app):
    client = signed_in(app, "reviewer_11")
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(record(120, "表格导入"))
    data = io.BytesIO()
    book.save(data)
    job = job_id_of(upload(client, data.getvalue(), "成绩.xlsx"))
    with app.app_context():
        run_due()
    assert 'id="count-new">1<' in client.get(f"{INDEX}{job}/").get_data(as_text=True)
    page = upload(client, b"hello", "notes.pdf")
    assert page.status_code == 302
    assert "只能导入" in client.get(INDEX).get_data(as_text=True)
    broken = job_id_of(upload(client, "姓名\n张三\n".encode(), "缺列.csv"))
    with app.app_context():
        run_due()
    assert "缺少必需的列" in client.get(f"{INDEX}{broken}/").get_data(as_text=True)


def test_imports_and_their_files_are_seen_only_in_their_jurisdiction(app):
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user("reviewer_31", "上海市卫健委审核员", "", "r31@example.cn",
                           sm.find_role("CommissionReviewer"), password=PASSWORD)
        user.jurisdiction_code = "310000"
        db.session.commit()
    beijing = signed_in(app, "reviewer_11")
    job = job_id_of(upload(beijing, csv_bytes([record(130, "辖区"), record(131, "上海", county="310101")]),
                           "北京专用.csv"))
    with app.app_context():
        run_due()
    shanghai = signed_in(app, "reviewer_31")
    for path in ("", "status", "refused.xlsx"):
        assert shanghai.get(f"{INDEX}{job}/{path}").status_code == 404, path
    token = csrf_token(shanghai, INDEX)
    assert shanghai.post(f"{INDEX}{job}/confirm", data={"csrf_token": token}).status_code == 404
    assert "北京专用" not in shanghai.get(INDEX).get_data(as_text=True)
    assert "北京专用" in beijing.get(INDEX).get_data(as_text=True)
    national = signed_in(app, "reviewer")
    response = national.get(f"{INDEX}{job}/refused.xlsx")
    assert response.status_code == 200
    response.close()
    for other in ("inst_admin", "physician"):
        client = signed_in(app, other)
        assert client.get(f"{INDEX}{job}/").status_code in (302, 403, 404)
        assert client.get(f"{INDEX}{job}/refused.xlsx").status_code in (302, 403, 404)
    # Shanghai's own import refuses Beijing's row: the jurisdiction bounds the rows too.
    own = job_id_of(upload(shanghai, csv_bytes([record(132, "北京人")])))
    with app.app_context():
        run_due()
    assert "不属于" in shanghai.get(f"{INDEX}{own}/").get_data(as_text=True)


def _enqueue_import(app, rows, name="同一文件.csv") -> int:
    with app.app_context():
        folder = import_job._folder()
        key = f"{secrets.token_hex(16)}.csv"
        (folder / key).write_bytes(csv_bytes(rows))
        check = import_job.start_dry_run(key, name, 1, "000000")
        return import_job.start_import(check, 1).id


def test_two_imports_of_the_same_file_at_once_neither_corrupt_nor_double(app, monkeypatch):
    monkeypatch.setattr(import_job, "WEB_BATCH", 7)
    rows = [record(200 + i, f"并发{i}") for i in range(60)]
    before = count(app)
    jobs = [_enqueue_import(app, rows), _enqueue_import(app, rows)]
    barrier = threading.Barrier(2)

    def work(job_id: int, owner: str) -> None:
        with app.app_context():
            barrier.wait()
            for hours in range(6):  # a job that lost every race of a batch is retried after its back-off
                if run_job(job_id, owner, now=utcnow() + dt.timedelta(hours=hours)) != "retried":
                    break
            db.session.remove()

    threads = [threading.Thread(target=work, args=(job, f"w{i}")) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert count(app) == before + 60
    with app.app_context():
        results = [db.session.get(Job, job).result for job in jobs]
        assert all(r is not None for r in results), [db.session.get(Job, j).error for j in jobs]
        assert sum(r["inserted"] for r in results) == 60  # each row inserted once, by one of them
        assert all(r["inserted"] + r["updated"] + r["unchanged"] == 60 for r in results)
        assert all(r["updated"] == 0 for r in results)
        numbers = db.session.scalars(select(Qualification.certificate_no).where(Qualification.name.like("并发%"))).all()
        assert sorted(numbers) == sorted(row[0] for row in rows)


def test_an_import_killed_halfway_is_run_again_without_doubles(app, monkeypatch):
    monkeypatch.setattr(import_job, "WEB_BATCH", 4)
    rows = [record(300 + i, f"续传{i}") for i in range(10)]
    rows[5][3] = "1"  # one refused row
    before = count(app)
    job_id = _enqueue_import(app, rows)
    from app.imports import upsert

    real = upsert.ImportQualifications._write
    calls = {"n": 0}

    def crash_on_third(self, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(self, batch)

    monkeypatch.setattr(upsert.ImportQualifications, "_write", crash_on_third)
    with app.app_context():
        assert run_job(job_id, "a") == "retried"
        job = db.session.get(Job, job_id)
        assert job.progress_done == 8 and count(app) == before + 7  # two batches committed
        assert run_job(job_id, "b", now=job.next_attempt_at) == "done"
        db.session.expire_all()
        result = db.session.get(Job, job_id).result
    assert count(app) == before + 9
    assert (result["read"], result["inserted"], result["unchanged"], result["rejected"]) == (10, 9, 0, 1)
    with app.app_context():
        events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "qualifications_imported")).all()
        assert len(events) == 1  # audited once
        book = load_workbook(import_job.refused_path(job_id), read_only=True)
        assert [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)] == [7]  # rebuilt, not doubled
        book.close()
