"""Screenshots of the shared look (issue 6 item 20): home, an error page, every role's landing page and the
first sign-up step, at 1366 px (desk) and 390 px (phone), into tests/artifacts/. Checks: Chinese content,
no horizontal scroll on the phone, a menu on one line at 1366 px, the skip link and the footer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import follow, log_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTHS = {"desk": 1366, "phone": 390}
# (shot name, user or None, path, heading or text that must show)
PAGES = [
    ("home", None, "/", "办理流程"),
    ("faq", None, "/faq/", "常见问题"),
    ("error-404", None, "/no-such-page/", "页面不存在"),
    ("signup-identity", None, "/signup/", "身份"),
    ("landing-admin", "admin", "/", "待办事项"),
    ("landing-reviewer", "reviewer", "/", "待受理"),
    ("landing-reviewer_11", "reviewer_11", "/", "待受理"),
    ("landing-inst_admin", "inst_admin", "/", "待激活"),
    ("landing-physician", "physician", "/", "个人中心"),
]


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(request, browser):
    """A page at desk (1366×900) or phone (390×844) size."""
    width = WIDTHS[request.param]
    phone = width < 768
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900}, locale="zh-CN",
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.size_name = request.param
    yield page
    context.close()


@pytest.mark.parametrize(("name", "username", "path", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_screens_at_desk_and_phone_width(server, sized_page, name, username, path, expected):
    page = sized_page
    if username:
        log_in(page, server, username)
    page.goto(f"{server}{path}")
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"look-{name}-{page.size_name}.png"), full_page=True)

    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    main_text = page.locator("#main-content").inner_text()
    assert expected in main_text
    assert len(re.findall(r"[\u4e00-\u9fff]", main_text)) > 10  # Chinese content, not a scaffold
    assert page.locator(".site-footer").is_visible() and "服务热线" in page.locator(".site-footer").inner_text()
    width = WIDTHS[page.size_name]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "horizontal scroll"
    if width >= 992:
        nav = page.locator("#site-nav-collapse").bounding_box()
        assert nav is not None and nav["height"] <= 50, f"the menu wraps onto a second line: {nav}"
    else:
        assert page.locator(".navbar-toggle").is_visible()


def test_skip_link_is_first_and_moves_focus(server, page):
    page.goto(f"{server}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要内容"
    assert page.locator(".skip-link").is_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"


def test_phone_menu_opens_and_targets_are_large_enough(server, page):
    log_in(page, server, "reviewer_11")
    page.goto(f"{server}/")
    toggle = page.locator(".navbar-toggle")
    assert toggle.bounding_box()["height"] >= 44
    toggle.click()
    page.locator("#site-nav-collapse").wait_for(state="visible")
    links = page.locator("#site-nav-collapse .navbar-nav > li > a")
    assert links.count() >= 5
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box["height"] >= 44, (links.nth(index).inner_text(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_large_text_switch_in_the_browser(server, page):
    page.goto(f"{server}/faq/")
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    follow(page, page.get_by_role("link", name="大字版"))
    assert page.url.endswith("/faq/")
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert before == 16 and after >= 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "look-faq-large-text-phone.png"), full_page=True)


def test_date_picker_is_chinese(server, desk_page):
    page = desk_page
    log_in(page, server, "reviewer_11")
    page.goto(f"{server}/windowview/add")
    page.locator(".appbuilder_date input").first.click()
    picker = page.locator(".datepicker-dropdown")
    picker.wait_for(state="visible")
    text = picker.inner_text()
    assert "一" in text and "今天" in text and re.search(r"\d{4}年\d{1,2}月", text), text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "look-datepicker-desk.png"))
