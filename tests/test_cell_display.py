"""What a cell shows (issue 6 items 12, 13): labels, never stored words; Beijing time to the minute.

Generated from the registered views: every list page, the detail pages of its first rows and its
CSV export, for every staff role. A new view, column or enumeration is checked without listing it.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from enum import StrEnum

import pytest
from flask_appbuilder import ModelView
from sqlalchemy import select

from app.domain import enums
from app.extensions import db
from app.models import (
    Filing,
    Institution,
    Physician,
    PracticeRegistration,
    PracticeScope,
    RegistryUser,
    SecurityEvent,
)

STAFF = ["admin", "reviewer", "reviewer_11", "inst_admin"]
ENUM_VALUES = {
    member.value
    for enum in vars(enums).values()
    if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum
    for member in enum
}
# Screens whose content is identifiers by design (permission and menu names of FAB's security model).
IDENTIFIER_VIEWS = {"PermissionModelView", "ViewMenuModelView", "PermissionViewModelView"}
SHOWN_NONE = re.compile(r"(>|\\u003e)__None(<|\\u003c)")  # the option's text, not its value
SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
TIME_TO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


@pytest.fixture
def varied(app):
    """Add rows the seed lacks: a filing with scopes, audit events with details, a known UTC time."""
    with app.app_context():
        registration = db.session.scalars(select(PracticeRegistration).order_by(PracticeRegistration.id)).first()
        haidian = db.session.scalars(select(Institution).where(Institution.name.like("北京海淀%"))).one()
        scopes = db.session.scalars(select(PracticeScope).where(PracticeScope.category == "clinical").limit(2)).all()
        db.session.add(Filing(
            registration=registration, institution=haidian, valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2027, 12, 31), status="active", scopes=list(scopes),
        ))
        physician = db.session.scalars(select(Physician).where(Physician.name == "李芳")).one()
        physician.created_at = dt.datetime(2026, 11, 29, 6, 5, 7, 123456)  # UTC
        admin = db.session.scalars(select(RegistryUser).where(RegistryUser.username == "inst_admin")).one()
        for detail in ("sms", "email", "code", "auto"):
            db.session.add(SecurityEvent(
                event="activation_code_issued", physician_id=physician.id, actor_id=admin.id,
                institution_id=physician.institution_id, region_code=physician.region_code, detail=detail,
            ))
        db.session.commit()
        return {"physician": physician.id, "names": [s.name for s in scopes]}


def _cells(body: str) -> list[str]:
    """Return the text of every table cell of a page."""
    cells = re.findall(r"(?s)<td\b[^>]*>(.*?)</td>", body)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", cell))).strip() for cell in cells]


def _problems(cells: list[str], usernames: set[str]) -> list[str]:
    """Return the cells that show a stored word, a Python list, None, seconds or microseconds."""
    wrong = []
    for cell in cells:
        if cell in usernames:  # login names are what they are ("physician" is a demo login)
            continue
        if cell in ENUM_VALUES or cell in ("None", "[]") or cell.startswith("[") or SECONDS.search(cell):
            wrong.append(cell)
    return wrong


def _search_form(body: str) -> str:
    """Return the page with FAB's JSON-encoded search form fields decoded to HTML."""
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), body)
    return decoded.replace('\\"', '"')


def _model_views(app) -> list[ModelView]:
    return [
        view for view in app.appbuilder.baseviews
        if isinstance(view, ModelView) and type(view).__name__ not in IDENTIFIER_VIEWS
    ]


@pytest.mark.parametrize("username", [*STAFF, "physician"])
def test_no_stored_enumeration_value_in_any_cell(app, client, as_user, varied, username):
    as_user(username)
    with app.app_context():
        usernames = set(db.session.scalars(select(RegistryUser.username)))
    checked = {"list": 0, "show": 0, "export": 0}
    for view in _model_views(app):
        base = view.route_base
        response = client.get(f"{base}/list/")
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        assert _problems(_cells(body), usernames) == [], f"{base}/list/ as {username}"
        assert not SHOWN_NONE.search(body), f"{base}/list/ shows __None as a choice"
        checked["list"] += 1
        for pk in list(dict.fromkeys(re.findall(rf'href="{re.escape(base)}/show/(\d+)', body)))[:3]:
            page = client.get(f"{base}/show/{pk}")
            assert page.status_code == 200, f"{base}/show/{pk}"
            assert _problems(_cells(page.get_data(as_text=True)), usernames) == [], f"{base}/show/{pk} as {username}"
            checked["show"] += 1
        export = client.get(f"{base}/export/")
        if export.status_code == 200 and export.mimetype == "text/csv":
            rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
            cells = [cell for row in rows[1:] for cell in row]
            assert _problems(cells, usernames) == [], f"{base}/export/ as {username}"
            checked["export"] += 1
    if username == "physician":
        assert checked["list"] == 0, checked  # no staff screen opens for a physician
        return
    assert checked["list"] >= 5 and checked["show"] >= 5, checked
    assert checked["export"] >= 3, checked


def test_times_are_beijing_time_to_the_minute(app, as_user, varied):
    client = as_user("reviewer_11")
    body = client.get(f"/physicianview/show/{varied['physician']}").get_data(as_text=True)
    assert "2026-11-29 14:05" in _cells(body)  # 06:05:07.123456 UTC
    assert "06:05" not in body and ".123456" not in body
    audit = client.get("/securityeventview/list/").get_data(as_text=True)
    times = [c for c in _cells(audit) if re.match(r"^\d{4}-", c)]
    assert times and all(TIME_TO_MINUTE.fullmatch(t) for t in times), times


def test_dates_and_lists_in_tables_and_exports(app, as_user, varied):
    client = as_user("reviewer_11")
    cells = _cells(client.get("/filingview/list/").get_data(as_text=True))
    assert "2026-01-01" in cells and "2027-12-31" in cells and "有效" in cells
    with app.app_context():
        filing = db.session.scalars(select(Filing)).one()
    show = _cells(client.get(f"/filingview/show/{filing.id}").get_data(as_text=True))
    assert "、".join(varied["names"]) in show  # 内科专业、外科专业, not [内科专业, 外科专业]
    registration = _cells(client.get(f"/registrationview/show/{filing.registration_id}").get_data(as_text=True))
    assert "--" in registration  # 暂停执业至 is empty
    assert any("2026-01-01 至 2027-12-31" in cell for cell in registration)  # the filing, not "1@2"
    export = client.get("/physicianview/export/").get_data(as_text=True)
    assert "待激活" in export and "女" in export and "verified" not in export and "female" not in export


def test_enumeration_filters_are_drop_downs_of_labels(app, as_user):
    client = as_user("reviewer_11")
    form = _search_form(client.get("/physicianview/list/").get_data(as_text=True))
    status = re.search(r'(?s)<select[^>]*name="status".*?</select>', form)  # a drop-down, not free text
    assert status and re.findall(r"<option[^>]*>(.*?)</option>", status.group(0)) == ["待验证", "待激活", "已激活", "已停用"]
    waiting = _cells(client.get("/physicianview/list/?_flt_0_status=verified").get_data(as_text=True))
    assert "待激活" in waiting and "已激活" not in waiting and "已停用" not in waiting
    registrations = _search_form(client.get("/registrationview/list/").get_data(as_text=True))
    assert re.search(r'<select[^>]*name="category"', registrations)


def test_role_names_in_chinese_on_the_admin_screens(as_user):
    client = as_user("admin")
    users = _cells(client.get("/users/list/").get_data(as_text=True))
    assert "卫健委审核员" in users and "CommissionReviewer" not in users
    roles = _cells(client.get("/roles/list/").get_data(as_text=True))
    assert "机构管理员" in roles and "InstitutionAdmin" not in roles
    form = client.get("/users/add").get_data(as_text=True)
    options = re.findall(r"(?s)<option\b[^>]*>(.*?)</option>", form)
    assert "卫健委审核员" in options and "CommissionReviewer" not in options


def test_labels_for_the_api(app):
    """The helpers the REST API uses: a label beside every enumeration value of a row."""
    from app.labels import label_enum, with_enum_labels

    with app.test_request_context("/"):
        row = with_enum_labels(Physician, {"id": 1, "gender": "female", "status": "verified", "name": "李芳"})
        assert row["gender_label"] == "女" and row["status_label"] == "待激活"
        assert row["gender"] == "female" and "name_label" not in row and "id_label" not in row
        assert label_enum(Physician.status, "active") == "已激活"
        assert label_enum(PracticeRegistration.status, "active") == "有效"  # same word, other enumeration


@pytest.mark.parametrize("stored", [
    dt.datetime(2026, 11, 29, 6, 5, 59),    # 14:05 in Beijing
    dt.datetime(2026, 12, 31, 16, 0, 0),    # midnight of New Year's Day in Beijing
    dt.datetime(2025, 1, 1, 15, 59, 59, 999999),
    dt.datetime(1990, 7, 1, 0, 30),         # the last summer of China's daylight saving time
])
def test_a_time_cell_says_what_babel_says_in_beijing_time(app, stored):
    from flask_babel import format_datetime

    from app.labels import format_time

    with app.test_request_context("/"):
        assert format_time(stored) == format_datetime(stored, "yyyy-MM-dd HH:mm")
    assert format_time(None) == "--"
