"""Fixtures for workflow tests: actors built from the demo accounts, a physician ready to file."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.documents.photos import store_photo
from app.documents.samples import sample_photo_png
from app.domain.enums import AccountStatus
from app.extensions import db
from app.models import Institution, Physician, RegistryUser
from app.security.scope import scope_for
from app.workflow.commands import Actor

TODAY = dt.date(2026, 11, 30)  # a Monday inside the 2026 window


def actor(username: str) -> Actor:
    """Return the actor of a demo account."""
    user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
    return Actor(user.id, scope_for(user))


def institution(name: str) -> Institution:
    """Return a demo institution by name."""
    return db.session.scalar(select(Institution).where(Institution.name == name))


@pytest.fixture
def ctx(app):
    """An application context with the demo data."""
    with app.app_context():
        yield


@pytest.fixture
def li_fang(ctx):
    """李芳: 2026 dental cohort, Beijing, activated (she is only verified in the demo)."""
    physician = db.session.scalar(select(Physician).where(Physician.name == "李芳"))
    physician.status = AccountStatus.ACTIVE
    db.session.commit()
    return physician


def first_registration_data(**changes):
    """What 李芳 asks for in a first registration."""
    data = {
        "photo": store_photo(sample_photo_png()),
        "qualification_id": db.session.scalar(
            select(Physician.id).where(Physician.name == "李芳")) and _qualification_id("李芳"),
        "location_code": "110000",
        "institution_id": institution("北京朝阳示范医院").id,
        "scope_codes": ["DEN01"],
        "residency_training": True,
        "title": "住院医师",
    }
    data.update(changes)
    return data


def _qualification_id(name: str) -> int:
    from app.models import Qualification

    return db.session.scalar(select(Qualification.id).where(Qualification.name == name))
