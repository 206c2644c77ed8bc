"""Browser check of a large export: the list's 导出 Excel becomes a background job, its page updates by
itself, and the file it offers is the list in Chinese. The in-process runner (as under `make run`) runs it.
Screenshots go to tests/artifacts/export-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.jobs.runner import start_in_process, wake
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def runner_thread(app):
    """The in-process job runner of this app, started once the export is asked for, stopped after."""
    yield lambda: start_in_process(app)
    stop = app.extensions.get("job_runner_stop")
    if stop is not None:
        stop.set()
        wake()


def test_a_large_export_waits_on_its_page_then_downloads(app, server, desk_page, runner_thread, tmp_path):
    app.config["EXPORT_MAX_ROWS_INLINE"] = 2  # the demo's physicians list is "large"
    page = desk_page
    log_in(page, server, "reviewer")
    page.goto(f"{server}/physicianview/list/")
    assert "在后台生成" in page.inner_text(".export-bar")  # the list says so before the click
    page.click("text=导出 Excel")
    page.wait_for_selector("#export-progress")
    assert "本页面将自动更新" in page.inner_text("#export-progress-text")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-waiting.png"), full_page=True)
    runner_thread()  # the worker picks the job up now; the page polls and reloads by itself
    page.wait_for_selector("#export-download", timeout=30000)
    assert "已生成" in page.inner_text("#export-ready")
    page.screenshot(path=str(ARTIFACTS / "export-ready.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#export-download")
    saved = tmp_path / "export.xlsx"
    download_info.value.save_as(saved)
    assert download_info.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(saved, read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "姓名" in rows[0]
    assert any("张明" in (value or "") for row in rows[1:] for value in row if isinstance(value, str))
    page.goto(f"{server}/exports/")
    assert "下载" in page.inner_text("#export-list")
    page.set_viewport_size({"width": 390, "height": 844})  # the same pages on a phone
    page.screenshot(path=str(ARTIFACTS / "export-list-phone.png"), full_page=True)
    assert page.locator("h1").bounding_box()["x"] >= 12  # the text keeps off the screen's edge
    page.click("#export-list a >> nth=0")
    page.wait_for_selector("#export-download")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.screenshot(path=str(ARTIFACTS / "export-ready-phone.png"), full_page=True)
