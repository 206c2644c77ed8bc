"""Fixtures for the document tests: an upload folder per test, pictures, a filed application."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from app.documents.certificates import store_certificate
from app.documents.photos import store_photo
from app.documents.samples import sample_certificate_png
from app.domain.enums import AccountStatus
from app.extensions import db
from app.models import Institution, Physician, RegistryUser
from app.security.roles import COMMISSION_REVIEWER, INSTITUTION_ADMIN
from app.workflow.commands import act, create_application
from tests.conftest import PASSWORD
from tests.workflow.conftest import TODAY, actor, first_registration_data


def picture(fmt: str = "JPEG", size: tuple[int, int] = (358, 441), color=(200, 60, 60), **save) -> bytes:
    """Return the bytes of a plain picture in ``fmt``."""
    mode = "RGBA" if fmt == "PNG" and len(color) == 4 else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def app(make_app, tmp_path):
    """An application whose uploads go to this test's own folder."""
    return make_app(UPLOAD_DIR=str(tmp_path / "uploads"))


@dataclass(frozen=True)
class Filed:
    """A confirmed first registration of 李芳 with a photo."""

    id: int
    number: str
    id_number: str
    photo_key: str
    certificate_key: str


def _add_user(username: str, role: str, **extra) -> None:
    sm = current_app.appbuilder.sm
    user = sm.add_user(username, username, "", f"{username}@example.cn", sm.find_role(role), password=PASSWORD)
    assert user is not None, username
    for key, value in extra.items():
        setattr(user, key, value)
    db.session.commit()


@pytest.fixture
def filed(app) -> Filed:
    """李芳 files a first registration with a photo; 北京朝阳示范医院 confirms it with an opinion."""
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "李芳"))
        physician.status = AccountStatus.ACTIVE
        db.session.commit()
        key = store_photo(picture())
        certificate = store_certificate(sample_certificate_png())
        training = {"institution": "北京协和医院", "started_on": "2026-03-01", "ended_on": "2026-08-31",
                    "assessed_on": "2026-09-15", "certificate": certificate}
        application = create_application(
            actor("li_fang"), "first", first_registration_data(photo=key, title="住院医师", training=training),
            today=TODAY,
        )
        act(actor("inst_admin"), application.id, "confirm", "情况属实，同意申请", today=TODAY)
        shanghai = db.session.scalar(select(Institution).where(Institution.name == "上海徐汇示范医院"))
        _add_user("inst_admin_sh", INSTITUTION_ADMIN, institution_id=shanghai.id)
        _add_user("reviewer_31", COMMISSION_REVIEWER, jurisdiction_code="310000")
        assert db.session.scalar(select(RegistryUser).where(RegistryUser.username == "reviewer_31"))
        return Filed(application.id, application.number, physician.id_number, key, certificate)
