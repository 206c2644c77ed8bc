"""Browser journey of a 信息变更 request: filed on a phone, confirmed in bulk at a desk.

Screenshots go to tests/artifacts/profile-change-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import follow, log_in
from tests.documents.conftest import picture

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose photo uploads go to this test's own folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"profile-change-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name}: horizontal scroll ({width}px)"


def test_request_on_a_phone_then_bulk_confirm_at_a_desk(server, page, desk_page, tmp_path):
    log_in(page, server, "physician")
    follow(page, "#profile-changes")
    assert page.input_value("#title") == "住院医师"
    _shot(page, "phone-form")
    page.fill("#title", "主治医师")
    page.select_option("#department_id", label="外科")
    photo = tmp_path / "证件照.png"
    photo.write_bytes(picture("PNG"))
    # the browser's own file button speaks English: ours (选择文件) stands in for it and shows the name
    assert page.evaluate("[...document.querySelectorAll('input[type=file]')].every(i => i.classList.contains('file-input'))")
    assert page.inner_text("label.file-button[for=photo]") == "选择文件"
    page.set_input_files("#photo", str(photo))
    assert page.inner_text("#photo-name") == "证件照.png"
    follow(page, "button:has-text('提交变更申请')")
    body = page.inner_text("body")
    assert "待机构确认" in body and "主治医师" in body and "外科" in body
    _shot(page, "phone-pending")

    desk = desk_page
    log_in(desk, server, "inst_admin")
    desk.goto(f"{server}/institution/profile-changes/")
    boxes = desk.locator("input[name=ids]")
    assert boxes.count() == 2  # 张明's and the demo's 马骏
    desk.check("#select-all")
    assert "已选择 2 项" in desk.inner_text(".bulk-toolbar")
    _shot(desk, "desk-queue")
    desk.once("dialog", lambda dialog: dialog.accept())
    follow(desk, ".bulk-toolbar button[value=confirm]")
    assert "确认：已办理2件变更申请" in desk.inner_text("body")

    page.goto(f"{server}/me/")
    body = page.inner_text("body")
    assert "主治医师" in body and "外科" in body
    assert page.evaluate("document.querySelector('img.photo').naturalWidth") > 0  # the confirmed photo
