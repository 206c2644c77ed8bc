"""The application pages: the physician's wizard, the institution's and the commission's queues."""

import io
import re

from sqlalchemy import select

from app.documents.samples import sample_photo_png
from app.domain.enums import ApplicationStatus as S
from app.extensions import db
from app.models import Application, Physician

from ..conftest import csrf_token


def _application_of(app, name: str) -> Application:
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == name))
        application = db.session.scalar(select(Application).where(Application.physician_id == physician.id))
        db.session.expunge(application)
        return application


def _status(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).status


def test_physician_completes_the_draft_step_by_step(app, as_user):
    client = as_user("huang_lei")
    draft = _application_of(app, "黄磊")
    assert 'href="/me/applications/"' in client.get("/me/").get_data(as_text=True)
    page = client.get("/me/applications/").get_data(as_text=True)
    assert draft.number in page and "草稿" in page
    token = csrf_token(client, f"/me/applications/{draft.id}/location")
    base = f"/me/applications/{draft.id}"
    # a county for a practising physician is refused with a message, and nothing is lost
    refused = client.post(f"{base}/location", data={"csrf_token": token, "location_code": "110105"})
    assert refused.status_code == 200 and "错误" in refused.get_data(as_text=True)
    # the first step is the photo: submitting without one is refused, an upload moves on
    no_photo = client.post(f"{base}/photo", data={"csrf_token": token})
    assert no_photo.status_code == 200 and "证件照" in no_photo.get_data(as_text=True)
    photo = client.post(f"{base}/photo", data={"csrf_token": token, "file": (io.BytesIO(sample_photo_png()), "照片.png")},
                        content_type="multipart/form-data")
    assert photo.status_code == 302 and photo.headers["Location"].endswith(f"{base}/location")
    steps = [
        ("location", {"location_code": "110000"}, "institution"),
        ("institution", {"institution_id": "1"}, "scopes"),
        ("scopes", {"scope_codes": ["CLN01", "CLN02"]}, "training"),
        ("training", {"residency_training": "yes", "title": "住院医师"}, "review"),
    ]
    for step, data, following in steps:
        response = client.post(f"{base}/{step}", data={"csrf_token": token, **data})
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:2000])
        assert response.headers["Location"].endswith(f"{base}/{following}")
    review = client.get(f"{base}/review").get_data(as_text=True)
    assert "北京市" in review and "北京朝阳示范医院" in review and "内科专业" in review and "尚未提交" in review
    assert f'src="/applications/{draft.id}/photo"' in review
    submitted = client.post(f"{base}/review", data={"csrf_token": token}, follow_redirects=True)
    body = submitted.get_data(as_text=True)
    assert draft.number in body and "已提交" in body
    pdf_link = re.search(r'href="(/applications/\d+/form\.pdf)"', body).group(1)
    pdf = client.get(pdf_link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert _status(app, draft.id) == S.SUBMITTED


def test_institution_confirms_in_bulk_and_return_needs_a_reason(app, as_user):
    client = as_user("inst_admin")
    page = client.get("/institution/applications/").get_data(as_text=True)
    zhou, wu = _application_of(app, "周敏"), _application_of(app, "吴昊")
    assert zhou.number in page and wu.number in page
    token = csrf_token(client, "/institution/applications/")
    response = client.post("/institution/applications/act", data={
        "csrf_token": token, "action": "return", "ids": [zhou.id], "reason": "",
        "next": "/institution/applications/?type=first"}, follow_redirects=False)
    assert response.headers["Location"].endswith("/institution/applications/?type=first")
    assert _status(app, zhou.id) == S.SUBMITTED
    client.post("/institution/applications/act", data={
        "csrf_token": token, "action": "confirm", "ids": [zhou.id, wu.id]})
    assert {_status(app, zhou.id), _status(app, wu.id)} == {S.PENDING_ACCEPTANCE}


def test_commission_queue_sorted_by_deadline_with_overdue_marked(app, as_user):
    client = as_user("reviewer_11")
    body = client.get("/commission/applications/").get_data(as_text=True)
    numbers = re.findall(r">(A\d{15})<", body)
    he_jing, feng_tao = _application_of(app, "何静"), _application_of(app, "冯涛")
    assert numbers.index(he_jing.number) < numbers.index(feng_tao.number)
    assert "已超期" in body
    token = csrf_token(client, "/commission/applications/")
    client.post("/commission/applications/act", data={"csrf_token": token, "action": "approve", "ids": [he_jing.id]})
    assert _status(app, he_jing.id) == S.APPROVED
    timeline = client.get(f"/commission/applications/{he_jing.id}").get_data(as_text=True)
    assert "准予注册" in timeline and "已受理" in timeline


def test_rows_outside_the_scope_are_not_found(app, as_user):
    feng = _application_of(app, "冯涛")
    client = as_user("inst_admin_xuhui")
    assert client.get(f"/institution/applications/{feng.id}").status_code == 404
    assert "目前没有待您办理的申请" in client.get("/institution/applications/").get_data(as_text=True)
    token = csrf_token(client, "/mydepartmentview/add")
    client.post("/institution/applications/act", data={"csrf_token": token, "action": "confirm", "ids": [feng.id]})
    assert _status(app, feng.id) == S.PENDING_ACCEPTANCE
    client.get("/logout/")
    physician = as_user("physician")
    assert physician.get(f"/me/applications/{feng.id}").status_code == 404
    assert physician.get("/institution/applications/").status_code in (302, 403)


def test_correction_lists_every_checked_item(app, as_user):
    client = as_user("reviewer_11")
    feng = _application_of(app, "冯涛")
    page = client.get(f"/commission/applications/{feng.id}").get_data(as_text=True)
    assert "学历证明" in page and "第十六条" not in page  # only the correction checklist is offered here
    token = csrf_token(client, f"/commission/applications/{feng.id}")
    client.post("/commission/applications/act", data={
        "csrf_token": token, "action": "ask_correction", "ids": [feng.id],
        "items": ["education", "photo"], "reason": "请一并提交"})
    with app.app_context():
        application = db.session.get(Application, feng.id)
        assert application.status == S.CORRECTION
        assert application.events[-1].comment == "1. 学历证明；2. 照片不符合要求；3. 请一并提交"


def test_institution_step_lists_only_institutions_inside_the_location(app, as_user):
    client = as_user("huang_lei")
    draft = _application_of(app, "黄磊")
    token = csrf_token(client, f"/me/applications/{draft.id}/location")
    client.post(f"/me/applications/{draft.id}/location", data={"csrf_token": token, "location_code": "110000"})
    page = client.get(f"/me/applications/{draft.id}/institution").get_data(as_text=True)
    assert "北京朝阳示范医院" in page and "北京海淀社区卫生服务中心" in page
    assert "上海徐汇示范医院" not in page and "广州天河中医医院" not in page
