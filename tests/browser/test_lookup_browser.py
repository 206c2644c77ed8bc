"""The public lookup on a phone (390 px, headless Chromium): find it, fill it, read the result cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import CAPTCHA_ANSWER, follow
from tests.lookup.conftest import CHAOYANG, people  # noqa: F401 - fixture

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lookup-{name}.png"), full_page=True)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_lookup_on_a_phone_shows_the_result_cards(server, page, people):  # noqa: F811
    page.goto(f"{server}/")
    follow(page, ".home-lookup a.btn")
    assert page.title().startswith("医师执业注册信息查询")
    _fits(page)
    for selector in ("#province", "#name", "#institution", "#captcha"):
        assert page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)") >= 16
    assert page.evaluate("document.querySelector('.lookup-form button[type=submit]').offsetHeight") >= 44

    page.select_option("#province", "110000")
    page.fill("#name", "张明")
    page.type("#institution", "朝阳")  # the suggestions of the province arrive while typing
    page.wait_for_function("document.querySelectorAll('#institution-names option').length > 0")
    assert page.eval_on_selector_all("#institution-names option", "os => os.map(o => o.value)") == [CHAOYANG]
    page.fill("#institution", CHAOYANG)

    before = page.get_attribute("#captcha-img", "src")
    page.click("#captcha-change")  # a new picture replaces the old one (the old challenge is gone)
    page.wait_for_function("document.getElementById('captcha-img').src.indexOf('?t=') > 0 && "
                           "document.getElementById('captcha-img').complete")
    assert page.get_attribute("#captcha-img", "src") != before
    page.fill("#captcha", CAPTCHA_ANSWER.lower())
    follow(page, ".lookup-form button[type=submit]")

    assert page.evaluate("document.activeElement.id") == "results-title"
    assert "查询结果：共 2 条" in page.inner_text("#results-title")
    cards = page.locator("article.lookup-card")
    assert cards.count() == 2
    first = cards.nth(0)
    assert first.locator(".lookup-card__name").inner_text() == "张明"
    assert first.locator(".lookup-state").inner_text().strip() == "有效"
    assert first.locator(".lookup-facts__cert").inner_text() == people["zhang"].certificate_no
    labels = first.locator("dt").all_inner_texts()
    assert labels == ["执业证书编码", "级别", "执业类别", "执业范围", "执业地点", "主要执业机构", "多机构备案", "注册状态"]
    assert cards.nth(1).locator(".lookup-state").inner_text().strip() == "暂停执业至 2027-02-28"
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    for person in people.values():
        for secret in person.secrets():
            assert secret not in text
    _fits(page)
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    _shot(page, "result")


def test_nothing_found_and_missing_fields_on_a_phone(server, page, people):  # noqa: F811
    page.goto(f"{server}/lookup/")
    follow(page, ".lookup-form button[type=submit]")
    assert page.title().startswith("错误：") and page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary li").count() == 4
    _fits(page)
    _shot(page, "missing")
    page.select_option("#province", "110000")
    page.fill("#name", "张")
    page.fill("#institution", CHAOYANG)
    page.fill("#captcha", CAPTCHA_ANSWER)
    follow(page, ".lookup-form button[type=submit]")
    assert page.evaluate("document.activeElement.id") == "no-match"
    assert "未查询到符合条件的执业注册信息" in page.inner_text("#no-match")
    assert page.locator("article.lookup-card").count() == 0
    _fits(page)
