"""Sign-up in headless Chromium at phone width (390×844), steps 1–3, auto-activating institution."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo import demo_id_number
from app.extensions import db
from app.models import Message, Physician
from tests.browser.conftest import CAPTCHA_ANSWER

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SUN_LI = ("孙丽", demo_id_number("110105", "19980214", "758"))
ANSWER = CAPTCHA_ANSWER

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"signup-{name}.png"), full_page=True)


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_signup_at_phone_width(app, server, page):
    page.goto(f"{server}/signup/")
    page.wait_for_load_state("networkidle")  # the captcha picture has set the session
    _no_horizontal_scroll(page)
    page.fill("#name", SUN_LI[0])
    page.fill("#id_number", SUN_LI[1])
    page.fill("#captcha", ANSWER.lower())
    page.check("input[name=consent]")
    _shot(page, "1-identity")
    page.click("button[type=submit]")

    page.wait_for_url("**/signup/account")
    page.fill("#phone", "13911112222")
    page.fill("#email", "sunli@example.cn")
    page.fill("#username", "sunli2026")
    page.fill("#password", "Abcdef12!")
    page.fill("#password2", "Abcdef12!")
    with page.expect_response(lambda r: "/signup/institutions" in r.url):
        page.fill("#q", "海淀")
    page.wait_for_function("document.querySelectorAll('#institution_id option').length === 1")
    page.select_option("#institution_id", label="北京海淀社区卫生服务中心")
    _no_horizontal_scroll(page)
    _shot(page, "2-account")
    page.click("button.btn-primary.btn-block")

    page.wait_for_url("**/signup/verify")
    assert "139****2222" in page.content()
    with app.app_context():
        body = db.session.scalars(select(Message.body).where(Message.recipient == "13911112222")).first()
    page.fill("#code", re.search(r"\d{6}", body).group(0))
    _no_horizontal_scroll(page)
    _shot(page, "3-verify")
    page.click("button[value=verify]")

    page.wait_for_url("**/me/")
    assert "孙丽" in page.content() and "北京海淀社区卫生服务中心" in page.content()
    _no_horizontal_scroll(page)
    _shot(page, "4-home")
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.id_number == SUN_LI[1]))
        assert physician.status == "active"
