"""信息变更 commands: a request takes effect only on confirmation; every refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.domain.enums import ProfileChangeStatus as PC
from app.extensions import db
from app.models import Department, Message, Physician, ProfileChange, SecurityEvent
from app.workflow.profile_changes import act_on_change, act_on_many, pending_change, request_change
from app.workflow.profile_rules import ProfileChangeError
from tests.documents.conftest import picture

from .conftest import actor, institution


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose photo uploads go to this test's own folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


def zhang() -> Physician:
    return db.session.scalar(select(Physician).where(Physician.name == "张明"))


def department(institution_name: str, name: str) -> Department:
    return db.session.scalar(select(Department).where(
        Department.institution_id == institution(institution_name).id, Department.name == name))


def profile(physician: Physician) -> dict:
    db.session.refresh(physician)
    return {k: getattr(physician, k) for k in ("education", "school", "title", "department_id", "photo")}


def stored_photos(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*.jpg")]


def test_confirmed_request_changes_the_physician(ctx):
    before = profile(zhang())
    internal = department("北京朝阳示范医院", "内科")
    change = request_change(actor("physician"), {
        "education": "硕士研究生", "school": " 北京协和医学院 ", "title": before["title"], "department_id": str(internal.id)})
    assert change.status == PC.PENDING
    assert change.requested == {"education": "硕士研究生", "school": "北京协和医学院", "department_id": internal.id}
    assert change.previous == {"education": "本科", "school": "首都医科大学", "department_id": None}
    assert profile(zhang()) == before  # nothing applies before the institution confirms
    notice = db.session.scalar(select(Message).where(Message.template == "profile_change_arrived"))
    assert notice.recipient == "inst@example.cn" and "张明" in notice.body and "学历、毕业院校、科室" in notice.body

    act_on_change(actor("inst_admin"), change.id, "confirm")
    after = profile(zhang())
    assert after["education"] == "硕士研究生" and after["school"] == "北京协和医学院"
    assert after["department_id"] == internal.id and after["title"] == before["title"]
    assert db.session.get(ProfileChange, change.id).status == PC.CONFIRMED
    told = db.session.scalar(select(Message).where(Message.template == "profile_change_decided"))
    assert told.recipient == zhang().phone and "已确认生效" in told.body
    events = db.session.scalars(select(SecurityEvent.event).where(SecurityEvent.physician_id == zhang().id)
                                .where(SecurityEvent.event.like("profile_change%"))).all()
    assert events == ["profile_change_requested", "profile_change_confirmed"]
    details = db.session.scalars(select(SecurityEvent.detail).where(SecurityEvent.event == "profile_change_confirmed"))
    assert list(details) == [f"#{change.id} 学历、毕业院校、科室"]  # the audit log reads in Chinese


def test_returned_request_keeps_the_old_values_and_the_reason(ctx):
    before = profile(zhang())
    change = request_change(actor("physician"), {"title": "主治医师"})
    with pytest.raises(ProfileChangeError) as refused:
        act_on_change(actor("inst_admin"), change.id, "return", "  ")
    assert refused.value.code == "reason_required"
    act_on_change(actor("inst_admin"), change.id, "return", "请上传职称证书后再申请。")
    row = db.session.get(ProfileChange, change.id)
    assert row.status == PC.RETURNED and row.reason == "请上传职称证书后再申请。" and row.decided_at
    assert profile(zhang()) == before
    told = db.session.scalar(select(Message).where(Message.template == "profile_change_decided"))
    assert "机构退回" in told.body and "请上传职称证书后再申请。" in told.body
    # a returned request no longer blocks a new one
    assert request_change(actor("physician"), {"title": "主治医师"}).status == PC.PENDING


def test_withdraw_and_one_pending_request_only(ctx):
    first = request_change(actor("physician"), {"title": "主治医师"})
    with pytest.raises(ProfileChangeError) as refused:
        request_change(actor("physician"), {"school": "北京大学医学部"})
    assert refused.value.code == "profile_change_pending" and refused.value.status == 409
    with pytest.raises(ProfileChangeError) as refused:
        act_on_change(actor("inst_admin"), first.id, "withdraw")
    assert refused.value.code == "profile_action_not_allowed"
    act_on_change(actor("physician"), first.id, "withdraw")
    assert db.session.get(ProfileChange, first.id).status == PC.WITHDRAWN
    with pytest.raises(ProfileChangeError) as refused:
        act_on_change(actor("inst_admin"), first.id, "confirm")
    assert refused.value.code == "profile_change_already_handled" and "已撤回" in refused.value.message
    assert request_change(actor("physician"), {"school": "北京大学医学部"}).status == PC.PENDING


def test_the_partial_unique_index_is_the_last_line(ctx):
    change = request_change(actor("physician"), {"title": "主治医师"})
    twin = ProfileChange(physician_id=change.physician_id, institution_id=change.institution_id,
                         region_code=change.region_code, requested={"title": "x"}, previous={})
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    twin = ProfileChange(physician_id=change.physician_id, institution_id=change.institution_id,
                         region_code=change.region_code, requested={"title": "x"}, previous={}, status="returned")
    db.session.add(twin)
    db.session.commit()  # any number of decided requests


@pytest.mark.parametrize(("values", "code", "words"), [
    ({}, "profile_nothing_changed", "至少"),
    ({"education": "本科", "school": "首都医科大学"}, "profile_nothing_changed", "至少"),
    ({"education": "研究生班"}, "profile_education_unknown", "学历"),
    ({"school": "校" * 129}, "profile_value_too_long", "128"),
    ({"title": "主" * 33}, "profile_value_too_long", "32"),
    ({"title": 5}, "profile_value_invalid", "职称"),
    ({"department_id": "999999"}, "profile_department_unknown", "科室"),
    ({"department_id": "abc"}, "profile_department_unknown", "科室"),
    ({"department_id": "other"}, "profile_department_other_institution", "北京朝阳示范医院"),
    ({"department_id": "closed"}, "profile_department_unknown", "科室"),
])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(ctx, values, code, words):
    if values.get("department_id") == "other":
        values = {"department_id": department("上海徐汇示范医院", "内科").id}
    elif values.get("department_id") == "closed":
        closed = department("北京朝阳示范医院", "儿科")
        closed.active = False
        db.session.commit()
        values = {"department_id": closed.id}
    before = profile(zhang())
    with pytest.raises(ProfileChangeError) as refused:
        request_change(actor("physician"), values)
    assert refused.value.code == code and words in refused.value.message, refused.value.message
    assert profile(zhang()) == before
    assert db.session.scalar(select(func.count()).select_from(ProfileChange).where(
        ProfileChange.physician_id == zhang().id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_photo_is_checked_re_encoded_and_applied_on_confirmation(ctx, app):
    change = request_change(actor("physician"), {}, photo=picture("PNG", color=(10, 20, 30, 255)))
    key = change.requested["photo"]
    assert change.previous == {"photo": None} and stored_photos(app)[0].name == key
    act_on_change(actor("inst_admin"), change.id, "confirm")
    assert profile(zhang())["photo"] == key


@pytest.mark.parametrize(("upload", "code"), [
    (b"GIF89a not a picture", "photo_not_image"),
    (picture(size=(100, 100)), "photo_too_small"),
    (b"", "photo_missing"),
])
def test_a_bad_photo_is_refused_and_nothing_is_stored(ctx, app, upload, code):
    with pytest.raises(Exception) as refused:
        request_change(actor("physician"), {"title": "主治医师"}, photo=upload)
    assert getattr(refused.value, "code", None) == code
    assert not stored_photos(app) and pending_change(db.session, zhang().id) is None


def test_a_photo_of_a_refused_request_is_not_kept(ctx, app):
    request_change(actor("physician"), {"title": "主治医师"})
    with pytest.raises(ProfileChangeError):
        request_change(actor("physician"), {}, photo=picture())
    assert not stored_photos(app)


def test_confirmation_checks_the_department_again(ctx):
    internal = department("北京朝阳示范医院", "内科")
    change = request_change(actor("physician"), {"department_id": internal.id})
    internal.active = False
    db.session.commit()
    with pytest.raises(ProfileChangeError) as refused:
        act_on_change(actor("inst_admin"), change.id, "confirm")
    assert refused.value.code == "profile_department_unknown"
    assert db.session.get(ProfileChange, change.id).status == PC.PENDING and profile(zhang())["department_id"] is None


def test_other_institutions_and_physicians_cannot_reach_a_request(ctx):
    change = request_change(actor("physician"), {"title": "主治医师"})
    for outsider, action in [("inst_admin_haidian", "confirm"), ("inst_admin_xuhui", "return"), ("zhou_min", "withdraw")]:
        with pytest.raises(ProfileChangeError) as refused:
            act_on_change(actor(outsider), change.id, action, "不属于本机构")
        assert refused.value.code == "profile_change_not_found" and refused.value.status == 404
    with pytest.raises(ProfileChangeError) as refused:
        act_on_change(actor("reviewer_11"), change.id, "confirm")
    assert refused.value.code == "profile_action_not_allowed"
    assert db.session.get(ProfileChange, change.id).status == PC.PENDING


def test_bulk_confirm_reports_each_refused_row(ctx):
    mine = request_change(actor("physician"), {"title": "主治医师"})
    other = request_change(actor("zhou_min"), {"school": "复旦大学上海医学院"})
    withdrawn = request_change(actor("huang_lei"), {"school": "清华大学医学院"})
    act_on_change(actor("huang_lei"), withdrawn.id, "withdraw")
    result = act_on_many(actor("inst_admin"), [mine.id, other.id, withdrawn.id, 999999], "confirm")
    assert result.done == [mine.id, other.id]
    assert set(result.refused) == {withdrawn.id, 999999} and "已撤回" in result.refused[withdrawn.id]
    assert profile(zhang())["title"] == "主治医师"
