"""Row scope by construction (issue 6 item 17): registration refuses an unscoped view, and the
relation choices of every add, edit and search form are scoped like the lists."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Institution, RegistryUser
from app.security.registry import ADMIN_ONLY, REFERENCE_MODELS, UNSCOPED_VIEWS, UnscopedView
from app.security.roles import ADMIN
from app.security.scope import scope_clause
from tests.conftest import csrf_token

ROLES = ["admin", "reviewer", "reviewer_11", "inst_admin", "physician"]
ROW_PERMISSIONS = {"can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export"}
OPTION = re.compile(r'option(?: selected)? value=\\?"(\d+)')  # also inside the search form's JSON


# --- registration -----------------------------------------------------------------------------------


def test_start_up_refuses_a_screen_without_the_row_scope(make_app, monkeypatch):
    from app.views.commission import PhysicianView

    monkeypatch.setattr(PhysicianView, "base_filters", [])
    with pytest.raises(UnscopedView, match="PhysicianView"):
        make_app()


def test_start_up_refuses_an_api_without_the_row_scope(make_app, monkeypatch):
    from app.api import InstitutionApi

    monkeypatch.setattr(InstitutionApi, "base_filters", [])
    with pytest.raises(UnscopedView, match="InstitutionApi"):
        make_app()


def test_an_extra_filter_does_not_replace_the_scope(make_app, monkeypatch):
    from flask_appbuilder.models.sqla.filters import FilterNotEqual

    from app.views.staff import InstitutionAdminView

    monkeypatch.setattr(InstitutionAdminView, "base_filters", [["institution_id", FilterNotEqual, None]])
    with pytest.raises(UnscopedView, match="InstitutionAdminView"):
        make_app()


def test_admin_only_allow_list_entries_grant_nothing_to_other_roles(app):
    sm = app.appbuilder.sm
    views = {type(v).__name__: v.class_permission_name for v in app.appbuilder.baseviews}
    with app.app_context():
        for name, reason in UNSCOPED_VIEWS.items():
            assert name in views, f"{name} is allow-listed but not registered"
            if reason != ADMIN_ONLY:
                continue
            holders = {
                role.name
                for pvm in db.session.scalars(select(sm.permissionview_model)).all()
                if pvm.view_menu.name == views[name] and pvm.permission.name in ROW_PERMISSIONS
                for role in pvm.role
            }
            assert holders <= {ADMIN}, (name, holders)


# --- form choices -----------------------------------------------------------------------------------


def _scoped_views(app):
    from app.views.base import ScopedModelView

    return [v for v in app.appbuilder.baseviews if isinstance(v, ScopedModelView)]


def _relation_fields(form):
    for form_field in form:
        if hasattr(form_field, "_get_object_list"):
            yield form_field


def _allowed_ids(model, user) -> set:
    from app.security.scope import scope_for

    statement = select(model.id)
    clause = scope_clause(model, scope_for(user))
    if clause is not None:
        statement = statement.where(clause)
    return set(db.session.scalars(statement))


@pytest.mark.parametrize("username", ROLES)
def test_every_relation_choice_of_every_form_is_inside_the_scope(app, username):
    """For every screen, form (add, edit, search) and relation field: offered ⊆ the related model's scope."""
    offered_somewhere = 0
    with app.test_request_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
        g.user = user
        for view in _scoped_views(app):
            for form_name in ("add_form", "edit_form", "search_form"):
                form = getattr(view, form_name).refresh()
                for form_field in _relation_fields(form):
                    model = view.datamodel.get_related_model(form_field.name)
                    if model in REFERENCE_MODELS:
                        continue
                    offered = {obj.id for _, obj in form_field._get_object_list()}
                    offered_somewhere += len(offered)
                    outside = offered - _allowed_ids(model, user)
                    assert not outside, (type(view).__name__, form_name, form_field.name, sorted(outside))
    assert username == "physician" or offered_somewhere


def test_department_form_offers_a_beijing_reviewer_only_beijing_institutions(app, as_user):
    client = as_user("reviewer_11")
    with app.app_context():
        beijing = set(db.session.scalars(select(Institution.id).where(Institution.region_code.between("110000", "119999"))))
        military = set(db.session.scalars(select(Institution.id).where(Institution.is_military.is_(True))))
        everywhere = set(db.session.scalars(select(Institution.id)))
    assert beijing < everywhere and military & beijing
    for url in ("/departmentview/add", "/institutionadminview/add", "/assessmentview/add"):
        offered = {int(pk) for pk in OPTION.findall(client.get(url).get_data(as_text=True))}
        # a military hospital has no admin account here (SPEC: out of scope), so it is not offered there
        assert offered == (beijing - military if url == "/institutionadminview/add" else beijing), url


def test_search_choices_of_an_institution_admin_are_its_own(app, as_user):
    client = as_user("inst_admin")
    with app.app_context():
        own = set(db.session.scalars(select(Department.id).where(Department.institution_id == 1)))
    offered = {int(pk) for pk in OPTION.findall(client.get("/myphysicianview/list/").get_data(as_text=True))}
    assert own and offered == own


def test_an_out_of_scope_id_posted_by_hand_is_refused_by_the_form(app, as_user, monkeypatch):
    """Even with the write guard switched off, the form itself refuses an id it did not offer."""
    import app.views.commission as commission

    monkeypatch.setattr(commission, "guard_department", lambda item: None)
    client = as_user("reviewer_11")
    with app.app_context():
        guangzhou = db.session.scalar(select(Institution.id).where(Institution.region_code == "440106"))
    token = csrf_token(client, "/departmentview/add")
    form = {"name": "越权科", "active": "y", "csrf_token": token}
    response = client.post("/departmentview/add", data={**form, "institution": str(guangzhou)})
    assert response.status_code == 200  # the form again, with the error in Chinese
    body = response.get_data(as_text=True)
    field = body[body.index('name="institution"'):]
    error = field[: field.index("</td>")]  # the id matches no offered row: the field counts as empty
    alert = re.search(r'alert-danger">\s*([^<]+?)\s*<', error)
    assert alert and re.fullmatch(r"[^A-Za-z]+", alert.group(1)), error  # a Chinese error on the field
    assert f'value="{guangzhou}"' not in error
    with app.app_context():
        assert db.session.scalar(select(Department.id).where(Department.name == "越权科")) is None
    # The same post with an institution in the jurisdiction is saved: the refusal was the choice.
    client.post("/departmentview/add", data={**form, "institution": "1"})
    with app.app_context():
        assert db.session.scalar(select(Department.institution_id).where(Department.name == "越权科")) == 1
