"""Browser fixtures: the app served on a free local port, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
CAPTCHA_ANSWER = "K7PX"


@pytest.fixture
def server(app):
    """Serve the app on a free local port in a thread for the duration of the test."""
    from werkzeug.serving import make_server

    app.config["CAPTCHA_TEST_ANSWER"] = CAPTCHA_ANSWER
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    """Debian's Chromium, headless; skipped only if it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A Chromium page at phone size (390×844)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def desk_page(browser):
    """A Chromium page at desktop size (1280×900), as a hospital clerk uses it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def follow(page, target) -> None:
    """Click a link or a form's button and wait until the page it leads to has loaded.

    ``wait_for_load_state`` alone returns at once when called before the browser has started
    to navigate (the old page is loaded already); reading the body then races the new page.
    """
    with page.expect_navigation():
        page.click(target) if isinstance(target, str) else target.click()
    page.wait_for_load_state("networkidle")


def log_in(page, server: str, username: str) -> None:
    """Log in through the real form as a demo account and wait for the landing page."""
    from tests.conftest import PASSWORD

    page.goto(f"{server}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    follow(page, "button[type=submit]")
