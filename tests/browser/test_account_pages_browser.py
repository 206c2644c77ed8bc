"""The account pages of issue 6 in headless Chromium at phone width: error summary, waiting page, 个人中心."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import follow, log_in

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"account-{name}.png"), full_page=True)


def test_empty_identity_submit_focuses_the_error_summary(server, page):
    page.goto(f"{server}/signup/")
    page.wait_for_load_state("networkidle")
    follow(page, "button.btn-primary")
    assert page.title().startswith("错误：")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.click("#error-summary a[href='#id_number']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "identity-errors")


def test_wrong_login_keeps_the_name(server, page):
    page.goto(f"{server}/login/")
    page.fill("#username", "physician")
    page.fill("#password", "Wrong@12345")
    follow(page, "button[type=submit]")
    assert page.input_value("#username") == "physician"
    assert "登录名或密码错误" in page.content()
    _shot(page, "login-failed")


def test_waiting_page_and_home(server, page):
    log_in(page, server, "li_fang")
    page.goto(f"{server}/signup/activate")
    assert "li_fang" in page.inner_text("#login-name") and page.is_visible("#institution-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "waiting")
    page.goto(f"{server}/logout/")
    log_in(page, server, "physician")
    page.goto(f"{server}/me/")
    assert "执业证书编码" in page.inner_text("#registrations")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "home")
