"""Demo data for `flask seed-demo`: a small, realistic registry in three provinces.

Accounts (password from DEMO_PASSWORD): admin, reviewer (national), reviewer_11 (北京),
inst_admin (北京朝阳示范医院), physician (active, with an approved registration).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from app.domain.certificates import LEVEL_DIGIT, compose_qualification_no
from app.domain.enums import (
    AccountStatus,
    ApplicationStatus,
    ApplicationType,
    AssessmentKind,
    AssessmentResult,
    Category,
    PracticeLevel,
    RegistrationStatus,
)
from app.domain.identity import birth_date_from_id, gender_from_id, id_check_digit
from app.extensions import db
from app.models import (
    Application,
    ApplicationEvent,
    Assessment,
    Department,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    Qualification,
    RegistrationWindow,
)
from app.security.roles import ADMIN, COMMISSION_REVIEWER, INSTITUTION_ADMIN, PHYSICIAN

# name, licence number, county, type, grade, auto_activate, military
INSTITUTIONS = [
    ("北京朝阳示范医院", "PDY00001011010511A1001", "110105", "综合医院", "三级甲等", False, False),
    ("北京海淀社区卫生服务中心", "PDY00002011010811B2002", "110108", "社区卫生服务中心", "一级", True, False),
    ("解放军示范总医院", "PDY00003011010811C3003", "110108", "综合医院", "三级甲等", False, True),
    ("上海徐汇示范医院", "PDY00004031010411A1004", "310104", "综合医院", "三级乙等", False, False),
    ("广州天河中医医院", "PDY00005044010611A1005", "440106", "中医医院", "二级甲等", True, False),
]

DEPARTMENTS = ["内科", "外科", "妇产科", "儿科", "口腔科", "中医科", "预防保健科"]

# login, name, birth (YYYYMMDD), sequence, county of birth, level, category, cohort, status, institution index
PHYSICIANS = [
    ("physician", "张明", "19900312", "101", "110105", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2020, AccountStatus.ACTIVE, 0),
    ("li_fang", "李芳", "19950621", "202", "110108", PracticeLevel.PHYSICIAN, Category.DENTAL, 2026, AccountStatus.VERIFIED, 0),
    ("wang_qiang", "王强", "19960109", "313", "310104", PracticeLevel.ASSISTANT, Category.CLINICAL, 2026, AccountStatus.CREATED, 3),
    ("zhao_min", "赵敏", "19880830", "424", "440106", PracticeLevel.PHYSICIAN, Category.TCM, 2024, AccountStatus.ACTIVE, 4),
    ("chen_jie", "陈杰", "19921111", "535", "110105", PracticeLevel.PHYSICIAN, Category.PUBLIC_HEALTH, 2025, AccountStatus.DISABLED, 0),
    ("liu_yang", "刘洋", "19970405", "646", "110108", PracticeLevel.ASSISTANT, Category.TCM, 2026, AccountStatus.VERIFIED, 1),
]

# Qualification records with no account yet (to sign up with): name, birth, sequence, county, level, category, cohort
UNCLAIMED = [
    ("孙丽", "19980214", "758", "110105", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2026),
    ("周涛", "19940919", "867", "310104", PracticeLevel.ASSISTANT, Category.DENTAL, 2025),
    ("吴静", "19990727", "978", "440106", PracticeLevel.PHYSICIAN, Category.PUBLIC_HEALTH, 2026),
]


def demo_id_number(county: str, birth: str, sequence: str) -> str:
    """Build a valid 18-character ID number for demo data."""
    first17 = county + birth + sequence
    return first17 + id_check_digit(first17)


def _published(cohort: int) -> dt.date:
    return dt.date(cohort, 9, 15)


def _user(sm, username, name, email, role_name, password, **extra):
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, name, "", email, sm.find_role(role_name), password=password)
    for key, value in extra.items():
        setattr(user, key, value)
    return user


def seed_demo(force: bool = False) -> str:
    """Fill an empty database with demo data; return a one-line summary."""
    if not force and db.session.scalar(select(func.count()).select_from(Institution)):
        return "database already has data: demo seed skipped"
    sm = current_app.appbuilder.sm
    password = current_app.config["DEMO_PASSWORD"]
    today = dt.date.today()

    institutions = []
    for name, licence, county, kind, grade, auto, military in INSTITUTIONS:
        inst = Institution(
            name=name, license_no=licence, region_code=county, kind=kind, grade=grade,
            auto_activate=auto, is_military=military, phone="010-12345678",
        )
        inst.departments = [Department(name=d) for d in DEPARTMENTS]
        institutions.append(inst)
    db.session.add_all(institutions)
    db.session.flush()

    _user(sm, "admin", "系统管理员", "admin@example.cn", ADMIN, password)
    _user(sm, "reviewer", "国家卫健委审核员", "reviewer@example.cn", COMMISSION_REVIEWER, password, jurisdiction_code="000000")
    _user(sm, "reviewer_11", "北京市卫健委审核员", "reviewer11@example.cn", COMMISSION_REVIEWER, password, jurisdiction_code="110000")
    _user(sm, "inst_admin", "朝阳示范医院管理员", "inst@example.cn", INSTITUTION_ADMIN, password, institution_id=institutions[0].id)

    scopes = {s.code: s for s in db.session.scalars(select(PracticeScope))}
    for cohort in (2024, 2025, 2026):
        for province in ("110000", "310000", "440000"):
            db.session.add(RegistrationWindow(
                year=cohort, province_code=province, cohort_year=cohort,
                opens_on=dt.date(cohort, 10, 1), closes_on=dt.date(cohort, 12, 31),
            ))

    for login, name, birth, seq, county, level, category, cohort, status, inst_index in PHYSICIANS:
        number = demo_id_number(county, birth, seq)
        inst = institutions[inst_index]
        qualification = Qualification(
            certificate_no=compose_qualification_no(cohort, inst.region_code, level, category, number),
            name=name, id_number=number, level=level, category=category,
            province_code=inst.region_code[:2] + "0000", exam_year=cohort,
            published_on=_published(cohort), issued_on=_published(cohort) + dt.timedelta(days=60),
        )
        db.session.add(qualification)
        user = _user(sm, login, name, f"{login}@example.cn", PHYSICIAN, password)
        user.active = status != AccountStatus.DISABLED
        verified = status in (AccountStatus.VERIFIED, AccountStatus.ACTIVE, AccountStatus.DISABLED)
        physician = Physician(
            user_id=user.id, name=name, id_number=number, gender=gender_from_id(number),
            birth_date=birth_date_from_id(number), phone=f"1380013{seq}{seq[0]}", email=f"{login}@example.cn",
            phone_verified=verified, email_verified=False, status=status,
            verified_at=dt.datetime(cohort, 10, 20, 9, 30) if verified else None,
            institution_id=inst.id, region_code=inst.region_code,
            education="本科", school="首都医科大学", title="住院医师",
        )
        db.session.add(physician)
        db.session.flush()
        if status == AccountStatus.ACTIVE:
            _register(physician, qualification, inst, scopes, cohort, today)
    for name, birth, seq, county, level, category, cohort in UNCLAIMED:
        number = demo_id_number(county, birth, seq)
        db.session.add(Qualification(
            certificate_no=compose_qualification_no(cohort, county, level, category, number),
            name=name, id_number=number, level=level, category=category,
            province_code=county[:2] + "0000", exam_year=cohort, published_on=_published(cohort),
        ))
    db.session.commit()
    return (
        f"demo data created: {len(INSTITUTIONS)} institutions, {len(PHYSICIANS)} physician accounts, "
        f"{len(PHYSICIANS) + len(UNCLAIMED)} qualifications; log in as admin / reviewer / reviewer_11 / "
        "inst_admin / physician"
    )


def _register(physician, qualification, inst, scopes, cohort, today) -> None:
    """Give an active demo physician an approved first registration, its audit trail and an assessment."""
    physician.activated_at = dt.datetime(cohort, 11, 1, 9, 0)
    first_scope = {Category.CLINICAL: "CLN01", Category.TCM: "TCM01", Category.DENTAL: "DEN01", Category.PUBLIC_HEALTH: "PUB01"}
    registered_on = dt.date(cohort, 12, 10)
    registration = PracticeRegistration(
        physician=physician, qualification=qualification,
        certificate_no=f"{LEVEL_DIGIT[PracticeLevel(qualification.level)]}{inst.region_code[:2]}{cohort}{physician.id:08d}",
        level=qualification.level, category=qualification.category,
        location_code=inst.region_code[:2] + "0000", institution=inst, region_code=inst.region_code,
        status=RegistrationStatus.ACTIVE, registered_on=registered_on,
        scopes=[scopes[first_scope[Category(qualification.category)]]],
    )
    db.session.add(registration)
    db.session.flush()
    submitted = dt.datetime(cohort, 11, 20, 10, 0)
    application = Application(
        number=f"SQ{cohort}{physician.id:010d}", type=ApplicationType.FIRST, status=ApplicationStatus.APPROVED,
        physician=physician, registration=registration, institution=inst, region_code=inst.region_code,
        data={"location": registration.location_code, "scopes": [s.code for s in registration.scopes]},
        submitted_at=submitted, confirmed_at=submitted + dt.timedelta(days=1),
        accepted_at=submitted + dt.timedelta(days=3), decided_at=dt.datetime.combine(registered_on, dt.time(15)),
    )
    db.session.add(application)
    steps = [
        (None, ApplicationStatus.DRAFT, "create", PHYSICIAN),
        (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, "submit", PHYSICIAN),
        (ApplicationStatus.SUBMITTED, ApplicationStatus.PENDING_ACCEPTANCE, "confirm", INSTITUTION_ADMIN),
        (ApplicationStatus.PENDING_ACCEPTANCE, ApplicationStatus.ACCEPTED, "accept", COMMISSION_REVIEWER),
        (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED, "approve", COMMISSION_REVIEWER),
    ]
    for offset, (source, target, action, role) in enumerate(steps):
        db.session.add(ApplicationEvent(
            application=application, from_status=source, to_status=target, action=action,
            actor_role=role, created_at=submitted + dt.timedelta(days=offset),
        ))
    db.session.add(Assessment(
        physician=physician, kind=AssessmentKind.PERIODIC, cycle_start=registered_on,
        cycle_end=registered_on.replace(year=registered_on.year + 3) - dt.timedelta(days=1),
        result=AssessmentResult.PASSED, assessed_on=min(today, registered_on.replace(year=registered_on.year + 1)),
        institution=inst, region_code=inst.region_code,
    ))
