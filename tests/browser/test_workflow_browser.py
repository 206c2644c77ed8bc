"""Browser journeys of the applications: the wizard on a phone, a bulk approval at a desk.

Screenshots go to tests/artifacts/workflow-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.documents.samples import sample_certificate_png, sample_photo_png
from tests.browser.conftest import follow, log_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"workflow-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name}: horizontal scroll ({width}px)"


def test_wizard_on_a_phone(server, page):
    log_in(page, server, "huang_lei")
    page.goto(f"{server}/me/applications/")
    _shot(page, "phone-mine")
    assert "您有一件办理中的申请" in page.inner_text("body")
    follow(page, "text=查看")
    follow(page, "text=继续填写")
    assert "第 1 步" in page.inner_text("body") and "证件照" in page.inner_text("h1")
    page.set_input_files("#file", files=[{"name": "证件照.png", "mimeType": "image/png", "buffer": sample_photo_png()}])
    follow(page, "button:has-text('保存并继续')")
    assert "第 2 步" in page.inner_text("body")
    page.select_option("#location_code", "110000")
    _shot(page, "phone-step-location")
    follow(page, "button:has-text('保存并继续')")
    page.check("input[name=institution_id][value='1']")
    _shot(page, "phone-step-institution")
    follow(page, "button:has-text('保存并继续')")
    page.check("input[name=scope_codes][value='CLN01']")
    follow(page, "button:has-text('保存并继续')")
    page.check("input[name=residency_training][value='yes']")
    follow(page, "button:has-text('保存并继续')")
    body = page.inner_text("body")
    assert "确认申请信息" in body and "北京朝阳示范医院" in body and "内科专业" in body
    # the preview is served: wait until the browser has decoded it (fails after the timeout if it is not)
    page.wait_for_function("(() => { const img = document.querySelector('img.review-photo');"
                           " return img && img.complete && img.naturalWidth > 0; })()", timeout=15000)
    _shot(page, "phone-review")
    follow(page, "button:has-text('提交申请')")
    body = page.inner_text("body")
    assert "申请已提交" in body and "待机构审核" in body
    _shot(page, "phone-submitted")


def test_bulk_approval_at_a_desk(server, desk_page):
    page = desk_page
    log_in(page, server, "reviewer_11")
    page.goto(f"{server}/commission/applications/?status=pending_acceptance")
    rows = page.locator("input[name=ids]")
    assert rows.count() >= 2
    rows.nth(0).check()
    rows.nth(1).check()
    assert "已选择 2 项" in page.inner_text(".bulk-toolbar")
    _shot(page, "desk-queue")
    page.once("dialog", lambda dialog: dialog.accept())
    follow(page, ".bulk-toolbar button[value=approve]")
    body = page.inner_text("body")
    assert "准予注册：已办理2件申请" in body, body[:2000]
    _shot(page, "desk-after-approval")


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 900)])
def test_the_upload_steps_at_phone_and_desk_width(app, server, browser, width, height):
    """The photo step and the training step (2-year rule: certificate upload), with their screenshots."""
    import datetime as dt

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Qualification

    with app.app_context():  # 黄磊 qualified long enough ago for the 2-year rule
        qualification = db.session.scalar(select(Qualification).where(Qualification.name == "黄磊"))
        qualification.published_on = qualification.issued_on = dt.date(2023, 9, 15)
        db.session.commit()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, "huang_lei")
    page.goto(f"{server}/me/applications/")
    follow(page, "text=查看")
    follow(page, "text=继续填写")
    base = page.url.rsplit("/", 1)[0]
    page.set_input_files("#file", files=[{"name": "a.txt", "mimeType": "text/plain", "buffer": b"not a photo"}])
    follow(page, "button:has-text('保存并继续')")
    assert "JPEG" in page.inner_text("#error-summary")
    page.set_input_files("#file", files=[{"name": "证件照.png", "mimeType": "image/png", "buffer": sample_photo_png(2)}])
    follow(page, "button:has-text('保存并继续')")
    page.goto(f"{base}/photo")
    assert page.evaluate("document.querySelector('.wizard-photo img').naturalWidth") > 0
    _shot(page, f"{width}-step-photo")
    page.goto(f"{base}/training")
    page.check("input[name=residency_training][value='yes']")
    page.fill("#training_institution", "北京协和医院")
    for field, day in [("started_on", "2025-03-01"), ("ended_on", "2025-08-31"), ("assessed_on", "2025-09-15")]:
        page.evaluate(f"document.getElementById('training_{field}').value = '{day}'")
    page.set_input_files("#file", files=[{"name": "合格证.png", "mimeType": "image/png",
                                          "buffer": sample_certificate_png()}])
    _shot(page, f"{width}-step-training")
    follow(page, "button:has-text('保存并继续')")
    page.goto(f"{base}/training")
    assert "已上传" in page.inner_text("form")
    _shot(page, f"{width}-step-training-uploaded")
    context.close()
