"""An institution admin issues an activation code from the queue in a real browser (desktop width)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ActivationCode, Physician
from tests.browser.conftest import follow, log_in

pytestmark = pytest.mark.browser


def test_bulk_action_with_the_translated_confirmation(app, server, desk_page):
    page = desk_page
    log_in(page, server, "inst_admin")
    page.goto(f"{server}/activationqueueview/list/")
    row = page.locator("tr", has_text="李芳")
    row.locator("input[type=checkbox]").check()
    page.get_by_role("button", name=re.compile("操作")).click()
    page.get_by_text("发送激活码（短信）").click()
    dialog = page.locator("#modal-confirm")
    dialog.wait_for(state="visible")
    assert "确定" in dialog.inner_text() and "取消" in dialog.inner_text()
    follow(page, dialog.locator("#modal-confirm-ok"))
    assert "已发送" in page.locator(".alert-success").inner_text()
    with app.app_context():
        li_fang = db.session.scalars(select(Physician).where(Physician.name == "李芳")).one()
        codes = db.session.scalars(select(ActivationCode).where(ActivationCode.physician_id == li_fang.id)).all()
    assert len(codes) == 1 and codes[0].channel == "sms"
