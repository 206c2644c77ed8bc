"""Browser journeys of the applications: the wizard on a phone, a bulk approval at a desk.

Screenshots go to tests/artifacts/workflow-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _log_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workflow-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name}: horizontal scroll ({width}px)"


def test_wizard_on_a_phone(server, page):
    _log_in(page, server, "huang_lei")
    page.goto(f"{server}/me/applications/")
    _shot(page, "phone-mine")
    assert "您有一件办理中的申请" in page.inner_text("body")
    page.click("text=查看")
    page.wait_for_load_state("networkidle")
    page.click("text=继续填写")
    page.wait_for_load_state("networkidle")
    assert "第 1 步" in page.inner_text("body")
    page.select_option("#location_code", "110000")
    _shot(page, "phone-step-location")
    page.click("button:has-text('保存并继续')")
    page.check("input[name=institution_id][value='1']")
    _shot(page, "phone-step-institution")
    page.click("button:has-text('保存并继续')")
    page.check("input[name=scope_codes][value='CLN01']")
    page.click("button:has-text('保存并继续')")
    page.check("input[name=residency_training][value='yes']")
    page.click("button:has-text('保存并继续')")
    body = page.inner_text("body")
    assert "确认申请信息" in body and "北京朝阳示范医院" in body and "内科专业" in body
    _shot(page, "phone-review")
    page.click("button:has-text('提交申请')")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "申请已提交" in body and "待机构审核" in body
    _shot(page, "phone-submitted")


def test_bulk_approval_at_a_desk(server, desk_page):
    page = desk_page
    _log_in(page, server, "reviewer_11")
    page.goto(f"{server}/commission/applications/?status=pending_acceptance")
    rows = page.locator("input[name=ids]")
    assert rows.count() >= 2
    rows.nth(0).check()
    rows.nth(1).check()
    assert "已选择 2 项" in page.inner_text(".bulk-toolbar")
    _shot(page, "desk-queue")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".bulk-toolbar button[value=approve]")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "准予注册：已办理2件申请" in body, body[:2000]
    _shot(page, "desk-after-approval")
