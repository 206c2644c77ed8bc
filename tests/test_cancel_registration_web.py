"""依职权注销 on the commission's registration screen: who is offered it, the form, the effects."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.domain.enums import FilingStatus, RegistrationStatus
from app.extensions import db
from app.models import Message, Physician, PracticeRegistration, SecurityEvent
from tests.conftest import csrf_token
from tests.scope_data import add_scope_data


def zhang(app) -> tuple[int, str]:
    with app.app_context():
        registration = db.session.scalar(select(PracticeRegistration).join(Physician).where(Physician.name == "张明"))
        return registration.id, registration.certificate_no


def state(app, registration_id: int) -> PracticeRegistration:
    with app.app_context():
        registration = db.session.get(PracticeRegistration, registration_id)
        _ = [f.status for f in registration.filings]
        db.session.expunge_all()
        return registration


def test_the_reviewer_is_offered_the_form_with_the_article_17_checklist(app, as_user):
    pk, number = zhang(app)
    client = as_user("reviewer_11")
    show = client.get(f"/registrationview/show/{pk}").get_data(as_text=True)
    assert 'id="cancel-ex-officio"' in show and "依职权注销" in show
    page = client.get(f"/registrationview/cancel/{pk}").get_data(as_text=True)
    assert len(re.findall(r'name="grounds"', page)) == 6
    for text in ("死亡", "受刑事处罚", "被吊销医师执业证书", "再次考核仍不合格", "中止医师执业活动满二年", "其他情形"):
        assert text in page
    assert number in page and "张明" in page
    assert "A2026" in page or "在办" in page  # 张明's filing application in progress is pointed out


def test_refusals_keep_the_input_and_change_nothing(app, as_user):
    pk, _number = zhang(app)
    client = as_user("reviewer_11")
    url = f"/registrationview/cancel/{pk}"
    token = csrf_token(client, url)
    page = client.post(url, data={"csrf_token": token, "note": "经核实"}).get_data(as_text=True)
    assert "错误：" in page and "请至少勾选一项" in page and "请勾选确认" in page and "经核实" in page
    page = client.post(url, data={"csrf_token": token, "grounds": "other", "confirm": "yes"}).get_data(as_text=True)
    assert "写明所依据的法律" in page and 'value="other" checked' in page
    page = client.post(url, data={"csrf_token": token, "grounds": "health", "confirm": "yes"}).get_data(as_text=True)
    assert "不属于《医师法》第十七条" in page
    assert state(app, pk).status == RegistrationStatus.ACTIVE


def test_cancelling_ends_filings_audits_notifies_and_is_not_offered_again(app, as_user):
    pk, number = zhang(app)
    client = as_user("reviewer_11")
    url = f"/registrationview/cancel/{pk}"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "grounds": ["criminal"], "note": "（2026）京0105刑初12号",
                                      "confirm": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/registrationview/show/{pk}")
    registration = state(app, pk)
    assert registration.status == RegistrationStatus.CANCELLED and "受刑事处罚" in registration.cancel_reason
    assert all(f.status == FilingStatus.ENDED for f in registration.filings)
    with app.app_context():
        assert db.session.scalar(select(SecurityEvent).where(SecurityEvent.event == "registration_cancelled"))
        bodies = db.session.scalars(select(Message.body).where(Message.template.like("registration_cancelled%"))).all()
    assert any(number in body and "京0105刑初12号" in body for body in bodies) and len(bodies) >= 2
    show = client.get(f"/registrationview/show/{pk}").get_data(as_text=True)
    assert "已注销" in show and 'id="cancel-ex-officio"' not in show and "注销" in show
    again = client.get(url)
    assert again.status_code == 302  # already cancelled: back to the detail page with a message
    assert client.post(url, data={"csrf_token": token, "grounds": "death", "confirm": "yes"}).status_code == 302
    assert "已经注销" in client.get(f"/registrationview/show/{pk}").get_data(as_text=True)


@pytest.mark.parametrize("username,status", [("reviewer_44", 404), ("reviewer_110108", 404), ("inst_admin", 403),
                                             ("physician", 403), ("admin", 302)])
def test_others_cannot_cancel(app, as_user, username, status):
    add_scope_data(app)
    pk, _number = zhang(app)  # 朝阳区: outside 广东省 and 海淀区
    client = as_user(username)
    url = f"/registrationview/cancel/{pk}"
    token = csrf_token(client, "/resetmypassword/form")
    assert client.get(url).status_code == status
    assert client.post(url, data={"csrf_token": token, "grounds": "death", "confirm": "yes"}).status_code == status
    assert state(app, pk).status == RegistrationStatus.ACTIVE
    if username == "admin":  # the operator sees the registration but is not offered the measure
        show = client.get(f"/registrationview/show/{pk}").get_data(as_text=True)
        assert 'id="cancel-ex-officio"' not in show and "只有卫生健康委审核人员" in show


def test_an_unknown_registration_is_404(app, as_user):
    client = as_user("reviewer")
    assert client.get("/registrationview/cancel/999999").status_code == 404
    assert client.get("/registrationview/cancel/99999999999").status_code == 404
    assert client.get("/registrationview/cancel/abc").status_code == 404
