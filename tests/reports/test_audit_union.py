"""审计日志: security and application events in one scoped, searchable, exportable list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Application, ApplicationEvent, Physician, SecurityEvent
from tests.conftest import login

URL = "/audit/log/"


def client_for(make_app, username):
    client = make_app().test_client()
    assert login(client, username).status_code == 302
    return client


def total(body: str) -> int:
    match = re.search(r"<caption>共\s*([\d,]+)\s*条", body)
    return int(match.group(1).replace(",", "")) if match else 0



def this_year() -> tuple[dt.datetime, dt.datetime]:
    """The page's default period, this year in Beijing, as the UTC bounds the events are stored in."""
    beijing = ZoneInfo("Asia/Shanghai")
    year = dt.datetime.now(beijing).year
    return tuple(dt.datetime(y, 1, 1, tzinfo=beijing).astimezone(dt.UTC).replace(tzinfo=None)
                 for y in (year, year + 1))


def expected_counts(app, region_prefix: str | None) -> dict[str, int]:
    first, end = this_year()
    with app.app_context():
        security = select(SecurityEvent.event).where(SecurityEvent.created_at >= first, SecurityEvent.created_at < end)
        application = (select(ApplicationEvent.action).join(Application)
                       .where(ApplicationEvent.created_at >= first, ApplicationEvent.created_at < end))
        if region_prefix:
            security = security.where(SecurityEvent.region_code.startswith(region_prefix))
            application = application.where(Application.region_code.startswith(region_prefix))
        counts: dict[str, int] = {}
        for event in db.session.scalars(security):
            counts[event] = counts.get(event, 0) + 1
        for action in db.session.scalars(application):
            counts[f"app:{action}"] = counts.get(f"app:{action}", 0) + 1
    return counts


@pytest.mark.parametrize("username, prefix", [("reviewer", None), ("reviewer_11", "11")])
def test_every_event_type_is_found_by_its_type_and_scoped(make_app, username, prefix):
    client = client_for(make_app, username)
    counts = expected_counts(make_app(), prefix)
    assert any(k.startswith("app:") for k in counts)
    assert prefix or any(not k.startswith("app:") for k in counts)
    for event, n in counts.items():
        body = client.get(URL, query_string={"event": event}).get_data(as_text=True)
        assert total(body) == n, event
        assert event not in re.sub(r'value="[^"]*"', "", body.split("<tbody>")[1])  # shown by its Chinese label
    everything = client.get(URL).get_data(as_text=True)
    assert total(everything) == sum(counts.values())


def test_person_actor_and_date_filters(make_app):
    app = make_app()
    client = client_for(make_app, "reviewer")
    first, end = this_year()
    with app.app_context():
        physician = db.session.scalar(select(Physician).where(Physician.name == "张明"))
        id_number = physician.id_number
        own = db.session.scalar(select(db.func.count()).select_from(SecurityEvent).where(
            SecurityEvent.physician_id == physician.id, SecurityEvent.created_at >= first, SecurityEvent.created_at < end))
        own += db.session.scalar(select(db.func.count()).select_from(ApplicationEvent).join(Application).where(
            Application.physician_id == physician.id, ApplicationEvent.created_at >= first, ApplicationEvent.created_at < end))
    by_name = client.get(URL, query_string={"person": "张明"}).get_data(as_text=True)
    by_id = client.get(URL, query_string={"person": id_number}).get_data(as_text=True)
    assert total(by_id) == own > 0
    assert total(by_name) >= own
    table = by_id.split("<tbody>")[1].split("</tbody>")[0]
    assert id_number not in table and id_number[:4] in table  # masked in every row
    by_actor = client.get(URL, query_string={"actor": "reviewer"}).get_data(as_text=True)
    assert 0 < total(by_actor) < total(client.get(URL).get_data(as_text=True))
    assert total(client.get(URL, query_string={"from": "2001-01-01", "to": "2001-12-31"}).get_data(as_text=True)) == 0
    bad = client.get(URL, query_string={"from": "2026-05-01", "to": "2026-01-01"})
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.get_data(as_text=True)


def test_exports_are_scoped_masked_and_in_chinese(make_app):
    client = client_for(make_app, "reviewer_11")
    shown = total(client.get(URL).get_data(as_text=True))
    book = load_workbook(io.BytesIO(client.get(f"{URL}export/xlsx").data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "事件", "医师", "证件号码")
    assert len(rows) - 1 == shown
    assert all(r[3] is None or "*" in r[3] for r in rows[1:])
    lines = list(csv.reader(io.StringIO(client.get(f"{URL}export/csv").data.decode("utf-8-sig"))))
    assert lines[0] == list(rows[0]) and len(lines) - 1 == shown


def test_physicians_are_refused(as_user):
    client = as_user("physician")
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}export/csv").status_code == 403
