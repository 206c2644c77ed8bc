"""Browser check of 导入考试结果: upload, the dry run's progress bar moving, confirm, the refused rows' workbook.

The in-process job runner (a thread, as under `make run`) runs the jobs while the page polls.
Screenshots go to tests/artifacts/import-*.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.imports import job as import_job
from app.imports import upsert
from app.jobs.runner import start_in_process, wake
from tests.browser.conftest import log_in
from tests.test_import_qualifications import record, write_csv

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def runner_thread(app):
    """The in-process job runner of this app, stopped after the test."""
    start_in_process(app)
    yield
    app.extensions["job_runner_stop"].set()
    wake()


def _slow_batches(monkeypatch) -> None:
    """Small, slow batches, so the progress bar has time to move."""
    monkeypatch.setattr(import_job, "WEB_BATCH", 40)
    real = upsert.ImportQualifications._write

    def slow(self, batch):
        time.sleep(0.08)
        return real(self, batch)

    monkeypatch.setattr(upsert.ImportQualifications, "_write", slow)


def test_import_with_progress_bar_and_refused_rows_download(server, desk_page, runner_thread, tmp_path,
                                                            monkeypatch):
    _slow_batches(monkeypatch)
    rows = [record(i, f"浏览器{i}") for i in range(1, 601)]
    rows[9][3] = "11010519900101999X"  # a wrong ID number: refused
    path = write_csv(tmp_path / "考试结果.csv", rows)
    page = desk_page
    log_in(page, server, "reviewer_11")
    page.goto(f"{server}/commission/imports/")
    assert page.locator("h1").inner_text() == "导入考试结果"
    page.set_input_files("#file", str(path))
    assert page.locator("#file-name").inner_text() == "考试结果.csv"
    page.click("#import-check")
    page.wait_for_selector("#import-bar")
    # The bar moves while the check runs, without reloading the page.
    page.wait_for_function("() => { const v = +document.getElementById('import-bar').getAttribute('aria-valuenow');"
                           " return v > 0 && v < 100; }", timeout=20000)
    assert "行" in page.inner_text("#import-progress-text")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-progress.png"), full_page=True)
    page.wait_for_selector("#import-counts", timeout=30000)
    assert page.inner_text("#count-new") == "599" and page.inner_text("#count-refused") == "1"
    assert "校验码" in page.inner_text("#refused-rows")
    page.screenshot(path=str(ARTIFACTS / "import-checked.png"), full_page=True)
    page.click("#import-confirm")
    page.wait_for_selector("#import-done", timeout=30000)
    assert page.inner_text("#count-new") == "599"
    with page.expect_download() as download_info:
        page.click("#refused-download")
    saved = tmp_path / "refused.xlsx"
    download_info.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    refused = list(book.active.iter_rows(values_only=True))
    book.close()
    assert len(refused) == 2 and refused[1][0] == 11 and "校验码" in refused[1][13]
    assert download_info.value.suggested_filename.endswith(".xlsx")
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
