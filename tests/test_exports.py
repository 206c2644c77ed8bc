"""Excel exports (issue 9 items 4 and 8): every staff list exports exactly its rows, words and scope.

For every list a reviewer or an institution admin opens, the Excel file holds the rows the page
shows, in the page's order and with the page's words (labels, Beijing time, masked ID numbers),
under Chinese headers; filters and order of the page's URL apply; nobody exports a row outside
their scope; a list above EXPORT_MAX_ROWS_INLINE becomes a background job; the file is
streamed in chunks and written by ``write_export``, which a background job can call as well.
"""

from __future__ import annotations

import html
import io
import re
import types
from urllib.parse import unquote

import pytest
from flask_appbuilder import ModelView
from openpyxl import load_workbook
from sqlalchemy import select

from app.commands import CommandError
from app.exports.service import write_export
from app.extensions import db
from app.models import RegistryUser
from tests.scope_data import add_scope_data

CJK = re.compile(r"[\u4e00-\u9fff]")
TIME_TO_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
STAFF = ["reviewer", "reviewer_11", "inst_admin"]


def xlsx_rows(data: bytes) -> list[list[str]]:
    """Return the sheet of an Excel file as rows of text ('' for an empty cell)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [["" if v is None else str(v) for v in row] for row in book.active.iter_rows(values_only=True)]


def _text(cell: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", cell))).strip()


def _as_exported(text: str) -> str:
    return "" if text == "--" else text


def table_rows(body: str, marker: str) -> list[list[str]]:
    """Return the text of every body row's cells of the first table whose opening tag holds ``marker``."""
    start = body.index(marker)
    table = body[start: body.index("</table>", start)]
    rows = re.findall(r"(?s)<tr\b[^>]*>(.*?)</tr>", table)
    return [[_text(c) for c in re.findall(r"(?s)<td\b[^>]*>(.*?)</td>", row)] for row in rows if "<td" in row]


def fab_list(client, view, query: str = "") -> tuple[list[list[str]], list[str]]:
    """Return the data cells of a model list page (all rows, at most 100) and the row keys in order."""
    name = type(view).__name__
    body = client.get(f"{view.route_base}/list/?psize_{name}=100&{query}").get_data(as_text=True)
    if "table table-bordered table-hover" not in body:
        return [], []
    width = len(view.list_columns)
    rows = [[_as_exported(c) for c in row[-width:]] for row in table_rows(body, "table table-bordered table-hover")]
    keys = re.findall(rf'href="{re.escape(view.route_base)}/show/(\d+)', body)
    return rows, list(dict.fromkeys(keys))


def exportable_model_views(app) -> list[ModelView]:
    return [v for v in app.appbuilder.baseviews if isinstance(v, ModelView) and "can_export" in (v.base_permissions or [])]


@pytest.mark.parametrize("username", STAFF)
def test_every_model_list_exports_exactly_its_rows(app, as_user, username):
    client = as_user(username)
    compared = 0
    for view in exportable_model_views(app):
        response = client.get(f"{view.route_base}/export/xlsx")
        if response.status_code == 403:
            assert client.get(f"{view.route_base}/list/").status_code == 403, view  # same permission as the list
            continue
        assert response.status_code == 200, (view, response.status_code)
        rows = xlsx_rows(response.data)
        with app.test_request_context():
            headers = [str(view.label_columns.get(c, c)) for c in view.list_columns]
        assert rows[0] == headers, view
        assert all(CJK.search(h) for h in rows[0]), rows[0]
        page, _keys = fab_list(client, view)
        if len(page) < 100:
            assert rows[1:] == page, f"{view.route_base} as {username}"
        else:
            assert rows[1:101] == page
        compared += bool(page)
    assert compared >= 3


def test_filters_search_and_order_of_the_url_apply(app, as_user):
    client = as_user("reviewer")
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "PhysicianView")
    everybody = xlsx_rows(client.get(f"{view.route_base}/export/xlsx").data)[1:]
    query = "_flt_0_name=李&_oc_PhysicianView=name&_od_PhysicianView=desc"
    page, _keys = fab_list(client, view, query)
    exported = xlsx_rows(client.get(f"{view.route_base}/export/xlsx?{query}").data)[1:]
    assert exported == page and exported
    assert len(exported) < len(everybody)
    assert all(row[0].startswith("李") for row in exported)
    assert [row[0] for row in exported] == sorted((row[0] for row in exported), reverse=True)
    # the list page offers the button with the same filters
    body = client.get(f"{view.route_base}/list/?{query}").get_data(as_text=True)
    assert "导出 Excel" in body and "_flt_0_name=%E6%9D%8E" in body


def test_masked_ids_labels_and_beijing_time_as_on_the_page(app, as_user):
    client = as_user("reviewer_11")
    physicians = xlsx_rows(client.get("/physicianview/export/xlsx").data)
    ids = [row[1] for row in physicians[1:]]
    assert ids and all(re.fullmatch(r"\d{4}\*+\w{4}", i) for i in ids), ids
    assert not {"verified", "active", "male", "female"} & {c for row in physicians for c in row}
    events = xlsx_rows(client.get("/securityeventview/export/xlsx").data)
    assert events[0][0] == "时间"
    assert all(TIME_TO_MINUTE.match(row[0]) for row in events[1:]), events[:3]


def queue_headers(client, url: str) -> list[str]:
    body = client.get(url).get_data(as_text=True)
    head = body[body.index("<thead>", body.index("queue-table")): body.index("</thead>", body.index("queue-table"))]
    return [t for t in (_text(c) for c in re.findall(r"(?s)<th\b[^>]*>(.*?)</th>", head)) if t]


def queue_page(client, url: str) -> list[list[str]]:
    body = client.get(url).get_data(as_text=True)
    return table_rows(body, "queue-table") if "queue-table" in body else []


def test_application_queues_export_their_rows(app, as_user):
    for username, base in (("inst_admin", "/institution/applications/"), ("reviewer_11", "/commission/applications/")):
        client = as_user(username)
        for query in ("status=all", "", "status=all&type=first"):
            page = queue_page(client, f"{base}?{query}")
            rows = xlsx_rows(client.get(f"{base}export/xlsx?{query}").data)
            headers = queue_headers(client, f"{base}?status=all")
            assert rows[0] == headers[:5] + ["已等待（工作日）"] + headers[5:], rows[0]
            assert len(rows) - 1 == len(page), (username, query)
            for shown, exported in zip(page, rows[1:], strict=True):
                number, kind, physician, institution, status, submitted, deadline = shown[1:]
                assert exported[:4] == [number, kind, physician, institution]
                assert status.startswith(exported[4])
                assert (exported[5] == "") == ("已等待" not in status)
                assert exported[6:] == [_as_exported(submitted), _as_exported(deadline)]
        client.get("/logout/")
    assert rows[1:], "the demo has applications of the first-registration type"


def _request_change(app, username: str, title: str) -> None:
    from app.security.scope import scope_for
    from app.workflow.commands import Actor
    from app.workflow.profile_changes import request_change

    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        request_change(Actor(user.id, scope_for(user)), {"title": title})


def test_profile_change_queues_export_their_rows(app, as_user):
    _request_change(app, "physician", "主治医师")
    for username, base in (("inst_admin", "/institution/profile-changes/"),
                           ("reviewer_11", "/commission/profile-changes/")):
        client = as_user(username)
        for query in ("", "status=all", "status=all&q=张"):
            page = queue_page(client, f"{base}?{query}")
            rows = xlsx_rows(client.get(f"{base}export/xlsx?{query}").data)
            headers = queue_headers(client, f"{base}?status=all")
            assert rows[0] == headers[:4] + ["原因"] + headers[4:], rows[0]
            assert len(rows) - 1 == len(page) >= 1, (username, query)
            for shown, exported in zip(page, rows[1:], strict=True):
                shown = shown[1:] if username == "inst_admin" else shown  # the tick box
                physician, institution, changes, status, submitted = shown
                assert exported[:2] == [physician, institution]
                assert exported[2].replace("；", " ") == changes.replace("：", "：")
                assert status.startswith(exported[3]) and exported[4] in status
                assert exported[5] == submitted and TIME_TO_MINUTE.match(submitted)
        client.get("/logout/")


# --- scope: two jurisdictions, two institutions --------------------------------------------------------------


def _first_cells(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {row[0] for row in xlsx_rows(response.data)[1:]}


def test_nobody_exports_a_row_outside_their_scope(app, client):
    add_scope_data(app)
    from tests.conftest import login

    seen = {}
    for username in ("reviewer_11", "reviewer_44", "inst_admin", "inst_admin_gz"):
        assert login(client, username).status_code == 302
        seen[username] = {
            url: _first_cells(client, url) for url in (
                "/physicianview/export/xlsx", "/registrationview/export/xlsx", "/securityeventview/export/xlsx",
                "/commission/applications/export/xlsx?status=all", "/audit/log/export/xlsx",
                "/institution/applications/export/xlsx?status=all", "/myphysicianview/export/xlsx",
            ) if client.get(url).status_code != 403
        }
        client.get("/logout/")
    beijing, guangdong = seen["reviewer_11"], seen["reviewer_44"]
    assert beijing["/physicianview/export/xlsx"] and guangdong["/physicianview/export/xlsx"]
    for url in ("/physicianview/export/xlsx", "/registrationview/export/xlsx",
                "/commission/applications/export/xlsx?status=all"):
        assert not beijing[url] & guangdong[url], url
    chaoyang, tianhe = seen["inst_admin"], seen["inst_admin_gz"]
    assert chaoyang["/myphysicianview/export/xlsx"]
    for url in ("/myphysicianview/export/xlsx", "/institution/applications/export/xlsx?status=all"):
        assert not chaoyang[url] & tianhe[url], url
    assert "/commission/applications/export/xlsx?status=all" not in chaoyang  # 403: not their list


def test_write_export_runs_outside_a_request_as_the_given_user(app):
    """The job's entry point: the user's scope and permission, the filters given, a file openpyxl opens."""
    add_scope_data(app)
    with app.app_context():
        users = {name: db.session.scalar(select(RegistryUser).where(RegistryUser.username == name))
                 for name in ("reviewer_11", "reviewer_44", "physician")}
        beijing = write_export("PhysicianView", {}, users["reviewer_11"])
        guangdong = write_export("PhysicianView", {"_flt_0_name": ["李"]}, users["reviewer_44"], fmt="csv")
        try:
            rows = xlsx_rows(beijing.path.read_bytes())
            assert rows[0][0] == "姓名" and beijing.rows == len(rows) - 1 > 0
            text = guangdong.path.read_text(encoding="utf-8-sig")
            assert all(line.startswith("李") for line in text.splitlines()[1:])
            assert not {r[0] for r in rows[1:]} & {line.split(",")[0] for line in text.splitlines()[1:]}
        finally:
            beijing.path.unlink()
            guangdong.path.unlink()
        with pytest.raises(CommandError) as refused:
            write_export("PhysicianView", {}, users["physician"])
        assert refused.value.status == 403 and "导出" in refused.value.message
        with pytest.raises(CommandError) as too_large:
            write_export("PhysicianView", {}, users["reviewer_11"], max_rows=1)
        assert too_large.value.code == "export_too_large"
        with pytest.raises(CommandError):
            write_export("NoSuchView", {}, users["reviewer_11"])


# --- size, streaming, permissions -------------------------------------------------------------------------


def test_a_list_above_the_limit_becomes_a_background_job(make_app, tmp_path):
    """Above EXPORT_MAX_ROWS_INLINE the export is handed to a job (tests/test_export_jobs.py runs it)."""
    from tests.conftest import login

    app = make_app(EXPORT_MAX_ROWS_INLINE=1, EXPORT_DIR=str(tmp_path))
    client = app.test_client()
    assert login(client, "reviewer").status_code == 302
    for url in ("/physicianview/export/xlsx?_oc_PhysicianView=name&_od_PhysicianView=asc",
                "/commission/applications/export/xlsx?status=all", "/audit/log/export/csv"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert re.fullmatch(r"/exports/\d+/", unquote(response.headers["Location"])), response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "后台" in page and "我的导出" in page, url
    body = client.get("/commission/applications/?status=all").get_data(as_text=True)
    assert "导出 Excel" in body and "后台" in body  # the page says so before anybody clicks


def test_the_file_is_streamed_in_chunks_and_removed(app, as_user, monkeypatch):
    from app.exports import files

    client = as_user("reviewer")
    written = []
    original = files.write_file
    monkeypatch.setattr("app.exports.service.write_file", lambda *a, **k: written.append(original(*a, **k)) or written[-1])
    monkeypatch.setattr(files, "STREAM_CHUNK", 1024)
    response = client.get("/physicianview/export/xlsx", buffered=False)
    assert response.is_streamed and "Content-Length" in response.headers
    body = iter(response.response)
    chunks = [next(body)]
    assert written[0].path.exists()  # sent while being read, a chunk at a time
    chunks += list(body)
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= 1024
    response.close()
    assert xlsx_rows(b"".join(chunks))[0][0] == "姓名"
    assert not written[0].path.exists()
    disposition = response.headers["Content-Disposition"]
    assert "filename=physician.xlsx" in disposition and "医师" in unquote(disposition)


def test_rows_are_read_from_the_database_in_chunks(app, as_user, monkeypatch):
    """The rows reach the sheet as a lazy iterator, a chunk at a time (not a list of every row)."""
    from app.exports import files

    seen = {}
    original = files._write_xlsx

    def spy(table, path):
        seen["rows"] = table.rows
        return original(table, path)

    monkeypatch.setattr(files, "_write_xlsx", spy)
    as_user("reviewer").get("/commission/applications/export/xlsx?status=all")
    assert isinstance(seen["rows"], types.GeneratorType)


@pytest.mark.parametrize("username, url", [
    ("physician", "/physicianview/export/xlsx"),
    ("physician", "/institution/applications/export/xlsx"),
    ("physician", "/audit/log/export/xlsx"),
    ("inst_admin", "/commission/applications/export/xlsx"),
    ("inst_admin", "/commission/profile-changes/export/xlsx"),
    ("inst_admin", "/physicianview/export/xlsx"),
    ("reviewer", "/institution/applications/export/xlsx"),
    ("reviewer", "/institution/profile-changes/export/xlsx"),
    ("reviewer", "/myphysicianview/export/xlsx"),
])
def test_no_export_without_the_lists_permission(as_user, username, url):
    assert as_user(username).get(url).status_code == 403


def test_unknown_format_is_not_found(as_user):
    client = as_user("reviewer")
    assert client.get("/physicianview/export/pdf").status_code == 404
    assert client.get("/commission/applications/export/doc").status_code == 404


def test_the_window_institution_table_exports_every_page(app, as_user, monkeypatch):
    from app.views.window import WindowBoardView

    client = as_user("reviewer")
    year = re.search(r"year=(\d{4})", client.get("/commission/window/").get_data(as_text=True)).group(1)
    body = client.get(f"/commission/window/110000/?year={year}").get_data(as_text=True)
    page = [[c.replace(",", "") for c in row] for row in table_rows(body, 'id="institution-table"')]
    names = re.findall(r'(?s)<th scope="row">(.*?)</th>', body[body.index('id="institution-table"'):])
    assert page and "导出 Excel" in body
    monkeypatch.setattr(WindowBoardView, "export_chunk", 1)  # one institution per read: the pages join up
    rows = xlsx_rows(client.get(f"/commission/window/export/xlsx?province=110000&year={year}").data)
    assert rows[0][0] == "医疗机构" and all(CJK.search(h) for h in rows[0])
    assert [row[0] for row in rows[1:]] == [_text(n) for n in names]
    assert [row[1:] for row in rows[1:]] == page
    assert client.get("/commission/window/export/xlsx?province=abc").status_code == 404
    client.get("/logout/")
    assert as_user("reviewer_11").get(f"/commission/window/export/xlsx?province=310000&year={year}").status_code == 404
