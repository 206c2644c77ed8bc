"""Extra rows that put every scope rule to work: filings across institutions and provinces,
provincial and county reviewers, a second institution admin and security events everywhere.

``add_scope_data(app)`` adds to the seeded demo database:

* 钱多, a Beijing physician registered at 北京海淀社区卫生服务中心 (110108) with active filings at
  北京朝阳示范医院 (the demo inst_admin's) and at 上海徐汇示范医院, plus an application and an
  assessment at Haidian: inst_admin sees the person (filed) but not the application;
  reviewer_11 sees the registration but not the Shanghai filing.
* reviewer_44 (广东省, a province), reviewer_110108 (海淀区, a county) and inst_admin_gz
  (广州天河中医医院).
* Security events in Beijing (two counties), Shanghai and Guangzhou; a practice scope added by
  广东省 only (provincial extras are invisible to other provinces).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.demo import demo_id_number
from app.domain.certificates import compose_qualification_no
from app.domain.enums import (
    AccountStatus,
    ApplicationStatus,
    ApplicationType,
    AssessmentKind,
    AssessmentResult,
    Category,
    FilingStatus,
    PracticeLevel,
    RegistrationStatus,
)
from app.extensions import db
from app.models import (
    Application,
    Assessment,
    Filing,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    Qualification,
    SecurityEvent,
    WorkdayEntry,
    WorkdayYear,
)
from app.security.roles import COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN

# username -> (role, jurisdiction or None, institution licence or None)
EXTRA_USERS = {
    "reviewer_44": (COMMISSION_REVIEWER, "440000", None),
    "reviewer_110108": (COMMISSION_REVIEWER, "110108", None),
    "inst_admin_gz": (INSTITUTION_ADMIN, None, "PDY00005044010611A1005"),
}
FILED_NAME = "钱多"


def _institution(licence: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.license_no == licence))


def add_scope_data(app) -> None:
    """Add the rows described in the module docstring (in one transaction)."""
    with app.app_context():
        sm = app.appbuilder.sm
        password = app.config["DEMO_PASSWORD"]
        for username, (role, jurisdiction, licence) in EXTRA_USERS.items():
            user = sm.add_user(username, username, "", f"{username}@example.cn", sm.find_role(role), password=password)
            user.jurisdiction_code = jurisdiction
            user.institution_id = _institution(licence).id if licence else None
        chaoyang = _institution("PDY00001011010511A1001")
        haidian = _institution("PDY00002011010811B2002")
        xuhui = _institution("PDY00004031010411A1004")
        tianhe = _institution("PDY00005044010611A1005")

        number = demo_id_number("110108", "19870505", "171")
        account = sm.add_user("qian_duo", FILED_NAME, "", "qian_duo@example.cn", sm.find_role(PHYSICIAN), password=password)
        physician = Physician(
            user_id=account.id, name=FILED_NAME, id_number=number, phone="13800131711", phone_verified=True,
            status=AccountStatus.ACTIVE, institution_id=haidian.id, region_code=haidian.region_code,
        )
        qualification = Qualification(
            certificate_no=compose_qualification_no(2015, "110108", PracticeLevel.PHYSICIAN, Category.CLINICAL, number),
            name=FILED_NAME, id_number=number, level=PracticeLevel.PHYSICIAN, category=Category.CLINICAL,
            province_code="110000", exam_year=2015, published_on=dt.date(2015, 9, 15),
        )
        registration = PracticeRegistration(
            physician=physician, qualification=qualification, certificate_no="110201500000777",
            level=PracticeLevel.PHYSICIAN, category=Category.CLINICAL, location_code="110000",
            institution=haidian, region_code=haidian.region_code, status=RegistrationStatus.ACTIVE,
            registered_on=dt.date(2016, 1, 10),
        )
        today = dt.date.today()
        for institution in (chaoyang, xuhui):
            db.session.add(Filing(
                registration=registration, institution=institution, status=FilingStatus.ACTIVE,
                valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=300),
            ))
        db.session.add(Application(
            number="SQ20169990000777", type=ApplicationType.FIRST, status=ApplicationStatus.APPROVED,
            physician=physician, registration=registration, institution=haidian, region_code=haidian.region_code,
            data={}, submitted_at=dt.datetime(2015, 12, 1, 9, 0),
        ))
        db.session.add(Assessment(
            physician=physician, kind=AssessmentKind.PERIODIC, cycle_start=dt.date(2016, 1, 10),
            cycle_end=dt.date(2019, 1, 9), result=AssessmentResult.PASSED, assessed_on=dt.date(2017, 1, 10),
            institution=haidian, region_code=haidian.region_code,
        ))
        db.session.add(physician)
        db.session.flush()
        zhang = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        zhao = db.session.scalar(select(Physician).where(Physician.name == "赵敏"))
        wang = db.session.scalar(select(Physician).where(Physician.name == "王强"))
        for who, institution in ((zhang, chaoyang), (physician, haidian), (wang, xuhui), (zhao, tianhe)):
            db.session.add(SecurityEvent(
                event="login", user_id=who.user_id, physician_id=who.id, institution_id=institution.id,
                region_code=institution.region_code, ip="192.0.2.1",
            ))
        db.session.add(PracticeScope(category=Category.TCM, code="TCM44X", name="岭南中医特色诊疗", province_code="440000"))
        # the national working-day calendar: national reviewers see it, provincial ones do not
        db.session.add(WorkdayEntry(day=dt.date(2027, 1, 1), is_working=False, note="元旦"))
        db.session.add(WorkdayYear(year=2027, source="测试数据"))
        db.session.commit()
