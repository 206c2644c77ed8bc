"""Fixtures of the public lookup: namesakes, every registration status, filings, and secrets to hide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.demo import demo_id_number
from app.domain.enums import AccountStatus, Category, FilingStatus, PracticeLevel, RegistrationStatus
from app.domain.masking import mask_id_number, mask_phone
from app.extensions import db
from app.models import Filing, Institution, Physician, PracticeRegistration, PracticeScope
from tests.conftest import csrf_token

ANSWER = "K7PX"
BEIJING, SHANGHAI = "110000", "310000"
CHAOYANG, HAIDIAN = "北京朝阳示范医院", "北京海淀社区卫生服务中心"
SUSPENDED_UNTIL = dt.date(2027, 2, 28)


@dataclass(frozen=True)
class Person:
    """A physician added for the lookup tests, with the values that must never be shown."""

    name: str
    id_number: str
    phone: str
    email: str
    birth_date: dt.date
    certificate_no: str

    def secrets(self) -> list[str]:
        """Every way the private values could leak onto a page or into JSON."""
        b = self.birth_date
        return [self.id_number, mask_id_number(self.id_number), self.phone, mask_phone(self.phone), self.email,
                b.isoformat(), b.strftime("%Y%m%d"), f"{b.year}年{b.month}月{b.day}日"]


def _institution(name: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.name == name))


def add_person(name: str, birth: str, seq: str, institution: str, status: str = RegistrationStatus.ACTIVE,
               filing_at: str | None = None, filing_ended: bool = False, suspended_until: dt.date | None = None,
               scopes: tuple[str, ...] = ("CLN01", "CLN02")) -> Person:
    """Add a physician with one registration (and optionally a filing) directly in the database."""
    inst = _institution(institution)
    number = demo_id_number("110105", birth, seq)
    birth_date = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    physician = Physician(name=name, id_number=number, birth_date=birth_date, phone=f"1371234{seq}9",
                          email=f"secret{seq}@example.cn", status=AccountStatus.ACTIVE, institution_id=inst.id,
                          region_code=inst.region_code)
    certificate = f"1101{seq}20250000"[:15]
    registration = PracticeRegistration(
        physician=physician, certificate_no=certificate, level=PracticeLevel.PHYSICIAN, category=Category.CLINICAL,
        location_code=inst.region_code[:2] + "0000", institution_id=inst.id, region_code=inst.region_code,
        status=status, suspended_until=suspended_until, registered_on=dt.date(2025, 12, 1),
        scopes=list(db.session.scalars(select(PracticeScope).where(PracticeScope.code.in_(scopes)))),
    )
    db.session.add_all([physician, registration])
    if filing_at:
        filed = _institution(filing_at)
        today = dt.date.today()
        start, end = (today - dt.timedelta(days=400), today - dt.timedelta(days=30)) if filing_ended else (
            today - dt.timedelta(days=30), today + dt.timedelta(days=335))
        db.session.add(Filing(registration=registration, institution_id=filed.id, valid_from=start, valid_to=end,
                              status=FilingStatus.ENDED if filing_ended else FilingStatus.ACTIVE,
                              scopes=registration.scopes[:1]))
    db.session.commit()
    return Person(name, number, physician.phone, physician.email, birth_date, certificate)


@pytest.fixture
def people(app) -> dict[str, Person]:
    """A namesake of 张明 (suspended), a deregistered 周敏, 钱伟 filed at 海淀, 孙强 whose filing there ended."""
    app.config["CAPTCHA_TEST_ANSWER"] = ANSWER
    with app.app_context():
        zhang = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        demo = Person("张明", zhang.id_number, zhang.phone, zhang.email, zhang.birth_date,
                      zhang.registrations[0].certificate_no)
        return {
            "zhang": demo,
            "namesake": add_person("张明", "19850101", "551", CHAOYANG, RegistrationStatus.SUSPENDED,
                                   suspended_until=SUSPENDED_UNTIL),
            "zhou": add_person("周敏", "19870202", "662", CHAOYANG, RegistrationStatus.CANCELLED),
            "qian": add_person("钱伟", "19890303", "773", CHAOYANG, filing_at=HAIDIAN),
            "sun": add_person("孙强", "19910404", "884", CHAOYANG, filing_at=HAIDIAN, filing_ended=True),
        }


def web_lookup(client, province: str = BEIJING, name: str = "张明", institution: str = CHAOYANG,
               captcha: str | None = ANSWER, address: str | None = None, picture: bool = True):
    """Load the page and a captcha picture as a browser does, then post the lookup."""
    token = csrf_token(client, "/lookup/")
    if picture:
        assert client.get("/signup/captcha.png").status_code == 200
    data = {"csrf_token": token, "province": province, "name": name, "institution": institution}
    if captcha is not None:
        data["captcha"] = captcha
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/lookup/", data=data, **extra)


def captcha_token(client) -> str:
    """Ask the API for a challenge and return its token."""
    response = client.post("/api/v1/public/captcha")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def api_lookup(client, province: str = BEIJING, name: str = "张明", institution: str = CHAOYANG,
               answer: str = ANSWER, address: str | None = None, **extra_body):
    """Post the lookup to the JSON API with a fresh, solved captcha."""
    body = {"province": province, "name": name, "institution": institution,
            "captcha_token": captcha_token(client), "captcha_answer": answer.lower(), **extra_body}
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/api/v1/public/lookup", json=body, **extra)
