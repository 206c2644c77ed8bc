"""The institution's activation queue: who waits, issuing and revoking codes, single and bulk."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import gettext
from sqlalchemy import func, insert, select

from app.accounts import activation
from app.accounts.errors import AccountError
from app.domain.enums import AccountStatus, Category, PracticeLevel
from app.domain.identity import id_check_digit
from app.domain.masking import mask_id_number
from app.extensions import db
from app.labels import label_of
from app.models import ActivationCode, Institution, Message, Physician, SecurityEvent
from tests.conftest import csrf_token
from tests.test_query_counts import counted

LIST = "/activationqueueview/list/"
ACTION_POST = "/activationqueueview/action_post"
PRIMARY_LICENCE = "PDY00001011010511A1001"  # 北京朝阳示范医院, managed by inst_admin


def _physician(name: str) -> Physician:
    return db.session.scalar(select(Physician).where(Physician.name == name))


def _ids(app, *names: str) -> list[int]:
    with app.app_context():
        return [_physician(name).id for name in names]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def add_waiting(app, count: int, email_verified: bool = False) -> list[int]:
    """Insert ``count`` verified accounts waiting for 北京朝阳示范医院; return their ids."""
    with app.app_context():
        inst = db.session.scalar(select(Institution).where(Institution.license_no == PRIMARY_LICENCE))
        first = (db.session.scalar(select(func.max(Physician.id))) or 0) + 1
        rows = []
        for n in range(count):
            first17 = f"110105{dt.date(1985, 1, 1) + dt.timedelta(days=n):%Y%m%d}{n % 1000:03d}"
            rows.append({
                "id": first + n, "name": f"待激活{n}", "id_type": "resident",
                "id_number": first17 + id_check_digit(first17), "status": AccountStatus.VERIFIED,
                "institution_id": inst.id, "region_code": inst.region_code,
                "phone": f"139{first + n:08d}", "email": f"wait{first + n}@example.cn",
                "phone_verified": True, "email_verified": email_verified,
                "verified_at": dt.datetime(2026, 10, 20, 8, 0) + dt.timedelta(minutes=n),
            })
        db.session.execute(insert(Physician), rows)
        db.session.commit()
        return [row["id"] for row in rows]


def _post(client, ids: list[int], name: str):
    token = csrf_token(client, LIST)
    return client.post(ACTION_POST, data={"action": name, "rowid": [str(i) for i in ids], "csrf_token": token})


def _code_sent_to(app, recipient: str) -> str:
    with app.app_context():
        body = db.session.scalars(
            select(Message.body).where(Message.recipient == recipient, Message.template == "activation_code")
            .order_by(Message.id.desc())
        ).first()
    assert body, f"no activation message to {recipient}"
    return re.search(r"(?<!\d)\d{8}(?!\d)", body).group(0)


def test_queue_lists_only_own_waiting_accounts(app, as_user):
    client = as_user("inst_admin")
    page = client.get(LIST)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "李芳" in body
    assert "刘洋" not in body  # waiting, but for another institution
    assert "张明" not in body  # active physician of the same institution
    assert "陈杰" not in body  # disabled account of the same institution
    with app.app_context():
        li_fang = _physician("李芳")
        assert mask_id_number(li_fang.id_number) in body
        assert li_fang.id_number not in body
    with app.test_request_context():
        assert f"{label_of(PracticeLevel, 'physician')} · {label_of(Category, 'dental')}" in body
    assert "138****2022" in body  # the verified mobile, masked
    assert "li_fang@example.cn" not in body  # unverified e-mail is not offered


@pytest.mark.parametrize("username", ["reviewer_11", "physician"])
def test_queue_is_for_institution_admins_only(as_user, username):
    assert as_user(username).get(LIST).status_code == 403


def test_show_page_offers_the_actions(app, as_user):
    (li_fang,) = _ids(app, "李芳")
    body = as_user("inst_admin").get(f"/activationqueueview/show/{li_fang}").get_data(as_text=True)
    for name in ("issue_sms", "issue_email", "revoke"):
        assert f"/activationqueueview/action/{name}/{li_fang}" in body


def test_issue_by_sms_then_the_physician_activates(app, as_user):
    (li_fang,) = _ids(app, "李芳")
    client = as_user("inst_admin")
    token = csrf_token(client, LIST)
    response = client.post(f"/activationqueueview/action/issue_sms/{li_fang}", data={"csrf_token": token})
    assert response.status_code == 302
    assert any(cat == "success" and "1" in msg for cat, msg in _flashes(client))

    code = _code_sent_to(app, "13800132022")
    with app.app_context():
        rows = db.session.scalars(select(ActivationCode).where(ActivationCode.physician_id == li_fang)).all()
        assert len(rows) == 1 and rows[0].channel == "sms" and rows[0].target == "13800132022"
        assert code not in rows[0].code_hash
        issuer = rows[0].issued_by_id
        assert issuer is not None
        events = db.session.scalars(select(SecurityEvent).where(SecurityEvent.physician_id == li_fang)).all()
        assert [(e.event, e.actor_id, e.detail) for e in events] == [("activation_code_issued", issuer, "sms")]
        assert all(code not in (e.detail or "") for e in events)

    # The queue now shows the outstanding code instead of "not issued".
    with app.test_request_context():
        not_issued = gettext("Not issued")
    assert not_issued not in client.get(LIST).get_data(as_text=True)

    with app.test_request_context():
        physician = db.session.get(Physician, li_fang)
        activation.activate(physician, code)
        assert db.session.get(Physician, li_fang).status == AccountStatus.ACTIVE
    assert "李芳" not in client.get(LIST).get_data(as_text=True)


def test_forged_row_of_another_institution_is_404_and_changes_nothing(app, as_user):
    li_fang, liu_yang = _ids(app, "李芳", "刘洋")
    client = as_user("inst_admin")
    messages = _count(app, Message)
    assert _post(client, [li_fang, liu_yang], "issue_sms").status_code == 404
    token = csrf_token(client, LIST)
    assert client.post(f"/activationqueueview/action/issue_sms/{liu_yang}", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/activationqueueview/show/{liu_yang}").status_code == 404
    assert _count(app, ActivationCode) == 0
    assert _count(app, Message) == messages


def test_active_physician_of_own_institution_is_not_in_the_queue(app, as_user):
    (zhang_ming,) = _ids(app, "张明")
    client = as_user("inst_admin")
    assert _post(client, [zhang_ming], "issue_sms").status_code == 404
    assert _count(app, ActivationCode) == 0


def test_issue_by_email_to_an_unverified_address_is_refused(app, as_user):
    (li_fang,) = _ids(app, "李芳")
    verified = add_waiting(app, 1, email_verified=True)
    client = as_user("inst_admin")
    messages = _count(app, Message)
    # The first account could get its code: all or nothing, so neither does.
    response = _post(client, verified + [li_fang], "issue_email")
    assert response.status_code == 302
    with app.test_request_context():
        expected = AccountError("channel_unverified").message
    assert ("danger", expected) in _flashes(client)
    assert _count(app, ActivationCode) == 0
    assert _count(app, Message) == messages
    assert _count(app, SecurityEvent, SecurityEvent.event == "activation_code_issued") == 0


def test_bulk_issue_for_fifty_accounts_in_one_request(app, as_user):
    waiting = add_waiting(app, 50)
    client = as_user("inst_admin")
    messages = _count(app, Message)
    response = _post(client, waiting, "issue_sms")
    assert response.status_code == 302
    assert any(cat == "success" and "50" in msg for cat, msg in _flashes(client))
    with app.app_context():
        per_physician = dict(db.session.execute(
            select(ActivationCode.physician_id, func.count()).group_by(ActivationCode.physician_id)
        ).all())
    assert per_physician == {pid: 1 for pid in waiting}
    assert _count(app, Message) == messages + 50


def test_reissue_replaces_and_revoke_cancels_the_open_code(app, as_user):
    (li_fang,) = _ids(app, "李芳")
    client = as_user("inst_admin")
    _post(client, [li_fang], "issue_sms")
    first = _code_sent_to(app, "13800132022")
    _post(client, [li_fang], "issue_sms")
    second = _code_sent_to(app, "13800132022")
    assert _count(app, ActivationCode, ActivationCode.revoked_at.is_(None)) == 1

    _flashes(client)
    assert _post(client, [li_fang], "revoke").status_code == 302
    assert any(cat == "success" for cat, _ in _flashes(client))
    assert _count(app, ActivationCode, ActivationCode.revoked_at.is_(None)) == 0
    assert _count(app, SecurityEvent, SecurityEvent.event == "activation_code_revoked") == 1
    with app.test_request_context():
        physician = db.session.get(Physician, li_fang)
        for code in {first, second}:
            with pytest.raises(AccountError) as refused:
                activation.activate(physician, code)
            assert refused.value.code == "activation_missing"
        assert db.session.get(Physician, li_fang).status == AccountStatus.VERIFIED


def test_action_needs_csrf_and_post(app, as_user):
    (li_fang,) = _ids(app, "李芳")
    client = as_user("inst_admin")
    assert client.get(f"/activationqueueview/action/issue_sms/{li_fang}").status_code == 405
    refused = client.post(ACTION_POST, data={"action": "issue_sms", "rowid": [str(li_fang)]})
    assert refused.status_code == 400
    assert _count(app, ActivationCode) == 0


def test_queue_page_statement_count_does_not_grow_with_rows(app, as_user):
    client = as_user("inst_admin")
    client.get(LIST)
    with counted(app) as few:
        assert client.get(LIST).status_code == 200
    ids = add_waiting(app, 30)
    _post(client, ids[:10], "issue_sms")
    client.get(LIST)
    with counted(app) as many:
        body = client.get(LIST).get_data(as_text=True)
    assert body.count('href="/activationqueueview/show/') >= 25
    assert len(many) == len(few), many
