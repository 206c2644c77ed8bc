"""Browser check of the yearly registration window pages in Chinese, with the charts drawn.

Screenshots go to tests/artifacts/window-*.png (1366 px desk and 390 px phone).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import follow, log_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"window-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name}: horizontal scroll ({width}px)"


@pytest.fixture
def wide_page(browser):
    """A Chromium page at 1366×900, the common office screen."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_window_page_in_chinese_with_its_chart(server, wide_page):
    page = wide_page
    log_in(page, server, "reviewer")
    page.goto(f"{server}/commission/window/?year=2025")
    assert page.locator("h1").inner_text() == "年度注册窗口"
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    for text in ("北京市", "已结束", "已导入资格", "已提交首次注册", "准予注册", "剩余工作日"):
        assert text in body, text
    chart = page.locator("svg#funnel-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    assert "注册进度" in chart.locator("title").text_content()
    assert page.locator("svg#funnel-chart rect").count() == 7  # one bar per stage
    assert page.locator("svg#province-chart").is_visible()
    _shot(page, "desk-board")
    follow(page, "#window-table >> text=北京市")
    assert "北京朝阳示范医院" in page.inner_text("#institution-table")
    _shot(page, "desk-province")
    follow(page, "#institution-table >> tbody >> tr >> nth=0 >> td >> nth=3 >> a")  # 已提交首次注册
    assert "/physicianview/list/" in page.url and "黄磊" not in page.inner_text("body")


def test_window_pages_on_a_phone(server, page):
    log_in(page, server, "reviewer_11")
    page.goto(f"{server}/commission/window/?year=2025")
    assert page.locator("svg#funnel-chart").is_visible()
    _shot(page, "phone-board")
    page.goto(f"{server}/logout/")
    log_in(page, server, "inst_admin")
    page.goto(f"{server}/institution/window/?year=2025")
    assert "一键提醒" in page.inner_text("#waiting-list")
    _shot(page, "phone-institution")
    page.goto(f"{server}/logout/")
    log_in(page, server, "li_fang")
    page.goto(f"{server}/me/")
    assert "注册窗口与我的办理条件" in page.inner_text("#my-window")
    _shot(page, "phone-me")
