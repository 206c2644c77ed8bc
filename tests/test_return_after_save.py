"""After a save, a delete or an action, back to what was changed, with the list's filters and page (issue 6 item 6).

FAB redirected by a session-wide page history: a bulk 发送激活码 ended on 科室, an institution edit
on 考核记录. Generated over the registered views, plus the two reported cases.
"""

from __future__ import annotations

import html
import re

from flask import session
from flask_appbuilder import ModelView
from sqlalchemy import select

from app.extensions import db
from app.models import ActivationCode, Institution, Physician
from tests.conftest import csrf_token

UNRELATED = "/departmentview/list/"


def _form_data(body: str) -> dict[str, object]:
    """Return what a browser would submit from the page's main form, as it was filled in."""
    form = re.search(r'(?s)<form[^>]*id="model_form".*?</form>', body) or re.search(r"(?s)<form\b.*?</form>", body)
    assert form, "no form on the page"
    text, data = form.group(0), {}
    for tag in re.findall(r"<input\b[^>]*>", text):
        name = re.search(r'name="([^"]+)"', tag)
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        value = re.search(r'value="([^"]*)"', tag)
        if not name or kind in ("submit", "button"):
            continue
        if kind == "checkbox":
            if " checked" in tag:
                data[name.group(1)] = "y"
            continue
        data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'(?s)<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', text):
        chosen = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"', options) + re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*selected', options
        )
        data[name] = list(dict.fromkeys(chosen)) if chosen else ""
    for name, value in re.findall(r'(?s)<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', text):
        data[name] = html.unescape(value.strip())
    return data


def _writable_views(app) -> list[ModelView]:
    return [
        view for view in app.appbuilder.baseviews
        if isinstance(view, ModelView)
        and ({"can_add", "can_edit", "can_delete"} & set(view.base_permissions or []) or view.actions)
    ]


def _unrelated(view) -> str:
    """Return another screen's list, visited in between (FAB's page history then pointed there)."""
    return UNRELATED if view.route_base != "/departmentview" else "/assessmentview/list/"


def _list_url(view) -> str:
    name = type(view).__name__
    return f"{view.route_base}/list/?psize_{name}=5&page_{name}=0"


def test_every_writable_screen_returns_to_its_filtered_list(app, client, as_user):
    """Add, edit and delete of every registered screen go back to the list page last shown."""
    as_user("admin")
    checked = 0
    for view in _writable_views(app):
        assert client.get(_list_url(view)).status_code == 200, view.route_base
        client.get(_unrelated(view))
        with client.session_transaction() as saved:
            state = dict(saved)
        with app.test_request_context("/"):
            session.update(state)
            for redirect in (view.post_add_redirect, view.post_edit_redirect, view.post_delete_redirect):
                assert redirect().location == _list_url(view), (view.route_base, redirect.__name__)
        checked += 1
    assert checked >= 10


def test_every_edit_form_saves_and_returns_to_the_list(app, client, as_user):
    """A real edit of the first row of every screen with an edit form, submitted unchanged by its user."""
    saved = []
    for username in ("inst_admin", "reviewer", "admin"):  # the screen's own audience first
        client.get("/logout/")
        as_user(username)
        for view in _writable_views(app):
            if "can_edit" not in view.base_permissions or view.route_base in saved:
                continue
            body = client.get(_list_url(view)).get_data(as_text=True)
            pks = re.findall(rf'href="{re.escape(view.route_base)}/edit/(\d+)', body)
            if not pks:
                continue
            client.get(_unrelated(view))
            form = client.get(f"{view.route_base}/edit/{pks[0]}")
            assert form.status_code == 200, view.route_base
            response = client.post(f"{view.route_base}/edit/{pks[0]}", data=_form_data(form.get_data(as_text=True)))
            refused = re.findall(r'(?s)class="alert[^"]*">(.*?)</div>', response.get_data(as_text=True))
            assert response.status_code == 302, (username, view.route_base, refused)
            assert response.location == _list_url(view), view.route_base
            saved.append(view.route_base)
    expected = {"/institutionview", "/users", "/departmentview", "/institutionadminview", "/myphysicianview"}
    assert expected <= set(saved), saved


def test_institution_edit_returns_to_the_institution_list_not_the_assessments(app, as_user):
    client = as_user("reviewer")
    with app.app_context():
        pk = db.session.scalars(select(Institution.id).order_by(Institution.id)).first()
    filtered = "/institutionview/list/?_flt_0_name=%E5%8C%97%E4%BA%AC&psize_InstitutionView=2"
    assert client.get(filtered).status_code == 200
    form = client.get(f"/institutionview/edit/{pk}").get_data(as_text=True)
    client.get("/assessmentview/list/")  # another tab, or the related lists on the way
    response = client.post(f"/institutionview/edit/{pk}", data=_form_data(form))
    assert response.status_code == 302
    assert response.location == filtered


def _waiting(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Physician.id).where(Physician.name == "李芳")))


def test_bulk_activation_code_returns_to_the_queue_not_the_departments(app, as_user):
    client = as_user("inst_admin")
    queue = "/activationqueueview/list/?psize_ActivationQueueView=10"
    assert client.get(queue).status_code == 200
    client.get("/mydepartmentview/list/")
    token = csrf_token(client, queue)
    response = client.post(
        "/activationqueueview/action_post",
        data={"action": "issue_sms", "rowid": [str(pk) for pk in _waiting(app)], "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.location == queue
    with app.app_context():
        assert db.session.scalar(select(ActivationCode.id)) is not None


def test_single_row_action_returns_to_the_row(app, as_user):
    client = as_user("inst_admin")
    (pk,) = _waiting(app)
    token = csrf_token(client, f"/activationqueueview/show/{pk}")
    client.get("/mydepartmentview/list/")
    response = client.post(f"/activationqueueview/action/issue_sms/{pk}", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.location == f"/activationqueueview/show/{pk}"


def test_remembered_lists_stay_small_in_the_session_cookie(app, client, as_user):
    """The session is a 4 KB cookie: only the last few lists, and no overlong query, are kept."""
    from app.views.base import MAX_RETURN_URLS, RETURN_URLS

    as_user("admin")
    views = [view for view in _writable_views(app)]
    for view in views:
        client.get(_list_url(view))
    long_filter = "/institutionview/list/?_flt_0_name=" + "x" * 600
    assert client.get(long_filter).status_code == 200
    with client.session_transaction() as saved:
        remembered = dict(saved[RETURN_URLS])
    assert len(views) > MAX_RETURN_URLS and len(remembered) == MAX_RETURN_URLS
    assert remembered["InstitutionView"] == "/institutionview/list/"
    assert remembered[type(views[-1]).__name__] == _list_url(views[-1])
