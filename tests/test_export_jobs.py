"""我的导出 (issue 9 item 4): an export above EXPORT_MAX_ROWS_INLINE runs as a job, offered when ready.

The job writes the same file the page would (same rows, words and scope), once per double click,
at a stable path per job (a re-run overwrites it); only the user who asked sees the job and file.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.exports.job import KIND, job_file
from app.extensions import db
from app.jobs.runner import run_due
from app.models import Job, RegistryUser
from app.models._base import utcnow
from tests.conftest import login
from tests.test_exports import xlsx_rows

LISTS = [
    "/physicianview/export/xlsx?_oc_PhysicianView=name&_od_PhysicianView=desc",
    "/commission/applications/export/xlsx?status=all",
    "/audit/log/export/csv",
]


@pytest.fixture
def big(make_app, tmp_path):
    """An application whose page exports at most one row (every list becomes a job)."""
    return make_app(EXPORT_MAX_ROWS_INLINE=1, EXPORT_DIR=str(tmp_path))


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def job_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.fullmatch(r"/exports/(\d+)/", response.headers["Location"]).group(1))


def file_rows(data: bytes, url: str) -> list[list[str]]:
    if "/csv" in url:
        return [line.split(",") for line in data.decode("utf-8-sig").splitlines()]
    return xlsx_rows(data)


def download(client, job_id: int) -> bytes:
    response = client.get(f"/exports/{job_id}/download")
    assert response.status_code == 200, response.status_code
    data = response.data
    response.close()
    return data


@pytest.mark.parametrize("url", LISTS)
def test_a_large_export_runs_as_a_job_and_its_file_equals_the_inline_export(make_app, big, url):
    client = signed_in(big, "reviewer")
    inline_client = signed_in(make_app(), "reviewer")  # the default limit: the page writes the file at once
    job_id = job_of(client.get(url))
    assert job_of(client.get(url)) == job_id  # a double click: one job
    page = client.get(f"/exports/{job_id}/").get_data(as_text=True)
    assert 'id="export-progress"' in page and "/status" in page and "export-download" not in page
    assert client.get(f"/exports/{job_id}/status").get_json() == {
        "id": job_id, "status": "pending", "finished": False, "ready": False,
        "rows": client.get(f"/exports/{job_id}/status").get_json()["rows"]}
    assert client.get(f"/exports/{job_id}/download").status_code == 404  # not written yet
    with big.app_context():
        assert run_due() == 1
    status = client.get(f"/exports/{job_id}/status").get_json()
    assert status["finished"] and status["ready"] and status["rows"] > 1
    page = client.get(f"/exports/{job_id}/").get_data(as_text=True)
    assert 'id="export-download"' in page and "下载" in page
    background = download(client, job_id)
    assert download(client, job_id) == background  # the file is kept after a download

    inline = inline_client.get(url)
    assert inline.status_code == 200
    expected = file_rows(inline.data, url)
    inline.close()
    assert file_rows(background, url) == expected and len(expected) - 1 == status["rows"]
    listing = client.get("/exports/").get_data(as_text=True)
    assert f"/exports/{job_id}/" in listing and 'id="my-exports"' in listing  # the account menu links here


def test_only_the_user_who_asked_sees_the_job_its_status_and_file(big):
    owner = signed_in(big, "reviewer")
    job_id = job_of(owner.get(LISTS[0]))
    with big.app_context():
        run_due()
    assert owner.get(f"/exports/{job_id}/download").status_code == 200
    for username in ("reviewer_11", "inst_admin", "admin"):
        other = signed_in(big, username)
        for path in ("", "status", "download"):
            assert other.get(f"/exports/{job_id}/{path}").status_code == 404, (username, path)
        assert f"/exports/{job_id}/" not in other.get("/exports/").get_data(as_text=True)
    physician = signed_in(big, "physician")
    assert physician.get(f"/exports/{job_id}/").status_code == 403
    assert physician.get("/exports/").status_code == 403


def test_a_rerun_overwrites_the_same_file_and_a_later_click_writes_a_fresh_one(big):
    client = signed_in(big, "inst_admin")
    url = "/myphysicianview/export/xlsx"
    job_id = job_of(client.get(url))
    with big.app_context():
        run_due()
        job = db.session.get(Job, job_id)
        path, first = job_file(job_id, "xlsx"), dict(job.result)
        assert path.is_file() and first["file"] == path.name
        # as if the worker died after writing the file: the job runs again
        job.status, job.locked_until, job.next_attempt_at = "pending", None, utcnow()
        db.session.commit()
        assert run_due() == 1
        assert db.session.get(Job, job_id).result == first
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # one file, no temporary left
    assert xlsx_rows(download(client, job_id))[0][0] == "姓名"
    again = job_of(client.get(url))  # the earlier one has ended: the list may have changed
    assert again != job_id
    with big.app_context():
        assert db.session.scalars(select(Job.key).where(Job.kind == KIND)).all() == [
            db.session.get(Job, job_id).key, db.session.get(Job, again).key]


def test_a_job_whose_user_was_deactivated_fails_with_a_chinese_reason(big):
    client = signed_in(big, "reviewer")
    job_id = job_of(client.get(LISTS[1]))
    with big.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "reviewer"))
        user.active = False
        db.session.commit()
        run_due()
        user.active = True
        db.session.commit()
    page = client.get(f"/exports/{job_id}/").get_data(as_text=True)
    assert 'id="export-failed"' in page and "已停用" in page


def test_the_job_holds_its_lease_for_the_whole_file(big, monkeypatch):
    """No checkpoint while the file is written: the lease is extended first, so no second worker starts it."""
    from app.exports import job as export_job

    client = signed_in(big, "reviewer")
    job_id = job_of(client.get(LISTS[0]))
    seen = {}
    original = export_job.write_export

    def spy(*args, **kwargs):
        seen["until"] = db.session.scalar(select(Job.locked_until).where(Job.id == job_id))
        return original(*args, **kwargs)

    monkeypatch.setattr(export_job, "write_export", spy)
    with big.app_context():
        started = utcnow()
        assert run_due() == 1
    assert (seen["until"] - started).total_seconds() >= big.config["EXPORT_JOB_LEASE_SECONDS"] - 5
