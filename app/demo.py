"""Demo data for `flask seed-demo`: a small, realistic registry in three provinces.

Accounts (password from DEMO_PASSWORD): admin, reviewer (national), reviewer_11 (北京),
inst_admin (北京朝阳示范医院), inst_admin_haidian, inst_admin_xuhui and inst_admin_tianhe (the
other civilian institutions),
physician (active, with an approved registration and a filing under way); ma_jun has a 信息变更
request waiting at 北京朝阳示范医院.

Registrations and applications are made through the workflow's commands, as users make them, so
the demo obeys every rule and every application has its full event chain.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.domain.certificates import compose_qualification_no
from app.domain.enums import (
    AccountStatus,
    ApplicationType,
    AssessmentKind,
    AssessmentResult,
    Category,
    PracticeLevel,
)
from app.domain.identity import birth_date_from_id, gender_from_id, id_check_digit
from app.extensions import db
from app.models import (
    Application,
    Assessment,
    Department,
    Institution,
    Message,
    Physician,
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

# The admins of the other civilian institutions: institution index, login, name
INSTITUTION_ADMINS = [
    (1, "inst_admin_haidian", "海淀社区卫生服务中心管理员"),
    (3, "inst_admin_xuhui", "徐汇示范医院管理员"),
    (4, "inst_admin_tianhe", "天河中医医院管理员"),
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
        return _("The database already has data: the demo was not seeded.")
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
    for index, login, name in INSTITUTION_ADMINS:
        _user(sm, login, name, f"{login}@example.cn", INSTITUTION_ADMIN, password, institution_id=institutions[index].id)

    active = []
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
            active.append((login, physician, qualification, inst, cohort))
    for name, birth, seq, county, level, category, cohort in UNCLAIMED:
        number = demo_id_number(county, birth, seq)
        db.session.add(Qualification(
            certificate_no=compose_qualification_no(cohort, county, level, category, number),
            name=name, id_number=number, level=level, category=category,
            province_code=county[:2] + "0000", exam_year=cohort, published_on=_published(cohort),
        ))
    for login, name, birth, seq, level, category, cohort, _state, _days in APPLICANTS:
        number = demo_id_number("110105", birth, seq)
        inst = institutions[0]
        db.session.add(Qualification(
            certificate_no=compose_qualification_no(cohort, inst.region_code, level, category, number),
            name=name, id_number=number, level=level, category=category, province_code="110000",
            exam_year=cohort, published_on=_published(cohort), issued_on=_published(cohort) + dt.timedelta(days=60),
        ))
        user = _user(sm, login, name, f"{login}@example.cn", PHYSICIAN, password)
        db.session.add(Physician(
            user_id=user.id, name=name, id_number=number, gender=gender_from_id(number),
            birth_date=birth_date_from_id(number), phone=f"1390013{seq}{seq[0]}", email=f"{login}@example.cn",
            phone_verified=True, status=AccountStatus.ACTIVE, verified_at=dt.datetime(cohort, 10, 20, 9, 30),
            activated_at=dt.datetime(cohort, 10, 25, 9, 30), institution_id=inst.id, region_code=inst.region_code,
            education="硕士研究生", school="北京大学医学部", title="住院医师",
        ))
    db.session.commit()

    admins = {0: "inst_admin", **{index: login for index, login, _name in INSTITUTION_ADMINS}}
    for login, physician, qualification, inst, cohort in active:
        reviewer = "reviewer_11" if inst.region_code.startswith("11") else "reviewer"
        _register(login, physician, qualification, inst, cohort, admins[institutions.index(inst)], reviewer)
    for login, name, _birth, _seq, _level, _category, cohort, state, days in APPLICANTS:
        qualification = db.session.scalar(select(Qualification).where(Qualification.name == name))
        extra = _training_proof(cohort) if cohort <= today.year - 2 else None
        _file(login, qualification, institutions[0], state, today - dt.timedelta(days=days),
              "inst_admin", "reviewer_11", extra)
    _zhang_ming_files_a_filing(institutions[1], today)
    _ma_jun_asks_for_a_profile_change(institutions[0])
    # The workflow told the demo's fictional people about their history: nobody is there to hear it.
    db.session.execute(delete(Message))
    # Their histories were moved back to the days they happened (_happened_on): count the summaries again.
    from app.summaries.rebuild import rebuild

    rebuild(db.session)
    db.session.commit()
    return _("Demo data created: %(institutions)d institutions, %(accounts)d physician accounts, %(qualifications)d "
             "qualifications, applications in every state. Log in as admin / reviewer / reviewer_11 / inst_admin / "
             "physician.", institutions=len(INSTITUTIONS), accounts=len(PHYSICIANS) + len(APPLICANTS),
             qualifications=len(PHYSICIANS) + len(APPLICANTS) + len(UNCLAIMED))


def _zhang_ming_files_a_filing(haidian: Institution, today: dt.date) -> None:
    """The demo physician files a multi-site filing at 海淀, confirmed there, waiting for acceptance."""
    from app.workflow.commands import act, create_application

    zhang = _actor("physician")
    application = create_application(zhang, ApplicationType.FILING_ADD, {
        "institution_id": haidian.id, "scope_codes": ["CLN01"],
        "valid_from": today.isoformat(), "valid_to": (today + dt.timedelta(days=365)).isoformat(),
    }, today=today - dt.timedelta(days=3))
    act(_actor("inst_admin_haidian"), application.id, "confirm", "同意在本中心备案执业。", today=today - dt.timedelta(days=2))


def _ma_jun_asks_for_a_profile_change(chaoyang: Institution) -> None:
    """马骏 asks 北京朝阳示范医院 to record his new title and department (信息变更, waiting in its queue)."""
    from app.workflow.profile_changes import request_change

    internal = next(d for d in chaoyang.departments if d.name == "内科")
    request_change(_actor("ma_jun"), {"title": "主治医师", "department_id": internal.id})


# Applicants at 北京朝阳示范医院 (first registrations in every state, for the queues):
# login, name, birth, sequence, level, category, cohort, the state to bring the application to, days ago
APPLICANTS = [
    ("huang_lei", "黄磊", "19960305", "111", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "draft", 1),
    ("zhou_min", "周敏", "19970412", "122", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "submitted", 0),
    ("wu_hao", "吴昊", "19950817", "133", PracticeLevel.PHYSICIAN, Category.DENTAL, 2025, "submitted", 8),
    ("zheng_shuang", "郑爽", "19961125", "144", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "returned", 6),
    ("feng_tao", "冯涛", "19940202", "155", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "pending_acceptance", 2),
    ("he_jing", "何静", "19930719", "166", PracticeLevel.PHYSICIAN, Category.TCM, 2025, "pending_acceptance", 14),
    ("xu_nuo", "许诺", "19971009", "177", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "correction", 9),
    ("ma_jun", "马骏", "19920621", "188", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2024, "accepted", 35),
    ("han_xue", "韩雪", "19950130", "199", PracticeLevel.PHYSICIAN, Category.PUBLIC_HEALTH, 2025, "accepted", 3),
    ("cao_yang", "曹阳", "19940506", "210", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "refused", 20),
    ("peng_bo", "彭博", "19960808", "221", PracticeLevel.PHYSICIAN, Category.CLINICAL, 2025, "not_accepted", 16),
    ("lin_yue", "林悦", "19980918", "232", PracticeLevel.PHYSICIAN, Category.DENTAL, 2025, "withdrawn", 4),
]

FIRST_SCOPE = {Category.CLINICAL: "CLN01", Category.TCM: "TCM01", Category.DENTAL: "DEN01", Category.PUBLIC_HEALTH: "PUB01"}

# The steps after filing that bring an application to a state: (actor key, action, reason)
ROUTES = {
    "draft": [],
    "submitted": [("physician", "submit", None)],
    "returned": [("physician", "submit", None), ("institution", "return", "照片不符合要求：请上传近6个月内的白底免冠证件照。")],
    "pending_acceptance": [("physician", "submit", None), ("institution", "confirm", "经核实，申请人信息属实，同意申请。")],
    "correction": [("physician", "submit", None), ("institution", "confirm", "同意申请。"),
                   ("reviewer", "ask_correction", "请补正：1. 学历证书扫描件；2. 规范化培训合格证明。")],
    "accepted": [("physician", "submit", None), ("institution", "confirm", "同意申请。"), ("reviewer", "accept", None)],
    "approved": [("physician", "submit", None), ("institution", "confirm", "同意申请。"),
                 ("reviewer", "accept", None), ("reviewer", "approve", None)],
    "refused": [("physician", "submit", None), ("institution", "confirm", "同意申请。"), ("reviewer", "accept", None),
                ("reviewer", "refuse", "医师法第十六条第（二）项：受刑事处罚，刑罚执行完毕不满二年。")],
    "not_accepted": [("physician", "submit", None), ("institution", "confirm", "同意申请。"),
                     ("reviewer", "not_accept", "申请事项不属于本机关职权范围，请向执业地点所在省级卫生健康主管部门申请。")],
    "withdrawn": [("physician", "submit", None), ("physician", "withdraw", None)],
}


def _actor(username: str):
    from app.security.scope import scope_for
    from app.workflow.commands import Actor

    user = current_app.appbuilder.sm.find_user(username=username)
    return Actor(user.id, scope_for(user))


def _file(login: str, qualification: Qualification, inst: Institution, state: str, on: dt.date,
          institution_admin: str, reviewer: str, extra: dict | None = None):
    """File a first registration through the workflow and take it to ``state``; return it."""
    from app.documents.photos import store_photo
    from app.documents.samples import sample_photo_png
    from app.workflow.commands import act, create_application

    data = {
        # a draft has just been started; everything filed further carries its ID photo (required to submit)
        **({} if state == "draft" else {"photo": store_photo(sample_photo_png(qualification.id))}),
        "qualification_id": qualification.id,
        "location_code": inst.region_code[:2] + "0000" if qualification.level == PracticeLevel.PHYSICIAN else inst.region_code,
        "institution_id": inst.id,
        "scope_codes": [FIRST_SCOPE[Category(qualification.category)]],
        "residency_training": True,
        "title": "住院医师",
        **(extra or {}),
    }
    actors = {"physician": _actor(login), "institution": _actor(institution_admin), "reviewer": _actor(reviewer)}
    application = create_application(actors["physician"], ApplicationType.FIRST, data, submit=False, today=on)
    for who, action, reason in ROUTES[state]:
        act(actors[who], application.id, action, reason, today=on)
    _happened_on(application.id, on)
    return application


def _happened_on(application_id: int, on: dt.date) -> None:
    """Move an application's timestamps and events back to ``on``, the day its deadlines were counted from."""
    shift = dt.timedelta(days=(dt.date.today() - on).days)
    application = db.session.get(Application, application_id)
    for name in ("created_at", "submitted_at", "confirmed_at", "accepted_at", "decided_at"):
        if getattr(application, name):
            setattr(application, name, getattr(application, name) - shift)
    for event in application.events:
        event.created_at -= shift
    db.session.commit()


def _training_proof(cohort: int) -> dict:
    """The 2-year rule's proof, with an uploaded certificate stored like a physician's upload."""
    from app.documents.certificates import store_certificate
    from app.documents.samples import sample_certificate_png

    return {"training": {
        "institution": "北京协和医院（住院医师规范化培训基地）",
        "started_on": f"{cohort + 1}-03-01", "ended_on": f"{cohort + 1}-08-31",
        "assessed_on": f"{cohort + 1}-09-15", "certificate": store_certificate(sample_certificate_png()),
    }}


def _register(login, physician, qualification, inst, cohort, institution_admin, reviewer) -> None:
    """Give an active demo physician an approved first registration (through the workflow) and an assessment."""
    physician.activated_at = dt.datetime(cohort, 11, 1, 9, 0)
    db.session.commit()
    application = _file(login, qualification, inst, "approved", dt.date(cohort, 11, 20), institution_admin, reviewer)
    registered_on = application.registration.registered_on
    db.session.add(Assessment(
        physician=physician, kind=AssessmentKind.PERIODIC, cycle_start=registered_on,
        cycle_end=registered_on.replace(year=registered_on.year + 3) - dt.timedelta(days=1),
        result=AssessmentResult.PASSED,
        assessed_on=min(dt.date.today(), registered_on.replace(year=registered_on.year + 1)),
        institution=inst, region_code=inst.region_code,
    ))
    db.session.commit()
