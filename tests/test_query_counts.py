"""List pages issue a small, constant number of SQL statements and survive malformed paging."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, insert, select

from app.domain.identity import id_check_digit
from app.extensions import db
from app.models import Institution, Physician
from app.summaries.rebuild import rebuild as rebuild_summaries
from tests.conftest import PG_URL

# user (3 statements: user, roles, groups, loaded by Flask-Login) + count + one joined SELECT,
# and for the institution list the department choices of its search form.
MAX_STATEMENTS = 4  # user with roles and groups, count, page; the institution list adds its department choices
# On PostgreSQL a list first asks the planner for its row estimate (one EXPLAIN, app/counting.py);
# above LIST_ESTIMATE_THRESHOLD that estimate replaces the count, below it the exact count follows.
ESTIMATE = 1 if PG_URL else 0
COMMISSION_LIST = "/physicianview/list/"
INSTITUTION_LIST = "/myphysicianview/list/"
ROW_LINK = re.compile(r'href="/(?:my)?physicianview/show/\d+"')


@contextmanager
def counted(app, parameters: bool = False):
    """Collect the SQL statements run on the app's engine inside the block (with their parameters if asked)."""
    statements: list = []

    def record(conn, cursor, statement, sent, context, executemany):
        statements.append((statement, sent) if parameters else statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(app, client, url: str) -> list[str]:
    """GET ``url`` once to warm up, then return the statements of a second GET."""
    assert client.get(url).status_code == 200
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def add_physicians(app, count: int) -> None:
    """Insert ``count`` physicians at 北京朝阳示范医院 (in every test user's scope)."""
    with app.app_context():
        inst = db.session.scalar(select(Institution).where(Institution.license_no == "PDY00001011010511A1001"))
        first = (db.session.scalar(select(Physician.id).order_by(Physician.id.desc()).limit(1)) or 0) + 1
        rows = []
        for n in range(count):
            first17 = f"110105{dt.date(1980, 1, 1) + dt.timedelta(days=n):%Y%m%d}{n % 1000:03d}"
            rows.append({
                "id": first + n, "name": f"测试{n}", "id_type": "resident",
                "id_number": first17 + id_check_digit(first17), "status": "active",
                "institution_id": inst.id, "region_code": inst.region_code,
                "phone_verified": True, "email_verified": False,
            })
        db.session.execute(insert(Physician), rows)
        db.session.commit()


@pytest.mark.parametrize(
    ("username", "url"),
    [("reviewer_11", COMMISSION_LIST), ("reviewer", COMMISSION_LIST), ("inst_admin", INSTITUTION_LIST)],
)
def test_list_statement_count_is_small_and_independent_of_rows(app, as_user, username, url):
    client = as_user(username)
    before = statements_for(app, client, url)
    rows_before = len(ROW_LINK.findall(client.get(url).get_data(as_text=True)))

    add_physicians(app, 200)
    after = statements_for(app, client, url)
    rows_after = len(ROW_LINK.findall(client.get(url).get_data(as_text=True)))

    assert rows_after == 25 > rows_before  # the page really shows more rows now
    assert len(before) <= MAX_STATEMENTS + ESTIMATE, before
    assert len(after) == len(before), after  # no statement per row (no N+1)


def test_statement_count_does_not_depend_on_menu_size(app, client):
    from tests.conftest import login

    counts = {}
    for username in ("reviewer", "admin"):  # admin sees every menu entry, the reviewer a few
        client.get("/logout/")
        assert login(client, username).status_code == 302
        counts[username] = len(statements_for(app, client, COMMISSION_LIST))
    assert counts["admin"] == counts["reviewer"] <= MAX_STATEMENTS + ESTIMATE


def test_list_joins_related_columns_instead_of_lazy_loading(app, as_user):
    client = as_user("reviewer")
    statements = statements_for(app, client, COMMISSION_LIST)
    listing = [s for s in statements if "FROM physician" in s and "count(" not in s.lower()
               and not s.startswith("EXPLAIN")]  # PostgreSQL: the planner's estimate of the count
    assert len(listing) == 1
    assert "JOIN institution" in listing[0] and "JOIN region" in listing[0]
    assert not any(s.lstrip().startswith("SELECT institution.") for s in statements)


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("page_PhysicianView=abc", {}),
        ("page_PhysicianView=-1", {}),
        ("psize_PhysicianView=100000", {"psize_PhysicianView": ["100"]}),
        ("psize_PhysicianView=0", {"psize_PhysicianView": ["1"]}),
        ("psize_PhysicianView=x&_flt_0_name=张", {"_flt_0_name": ["张"]}),
    ],
)
def test_malformed_paging_redirects_to_a_valid_page(as_user, argument, expected):
    client = as_user("reviewer")
    response = client.get(f"{COMMISSION_LIST}?{argument}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == COMMISSION_LIST
    assert parse_qs(location.query) == expected
    assert client.get(response.headers["Location"]).status_code == 200


def test_page_size_is_capped_at_max_page_size(app, as_user):
    app.config["MAX_PAGE_SIZE"] = 10
    add_physicians(app, 30)
    client = as_user("reviewer")

    response = client.get(f"{COMMISSION_LIST}?psize_PhysicianView=50")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"psize_PhysicianView": ["10"]}

    body = client.get(f"{COMMISSION_LIST}?psize_PhysicianView=10").get_data(as_text=True)
    assert len(ROW_LINK.findall(body)) == 10


def test_page_size_cap_holds_without_the_redirect(app, as_user):
    """The list itself never selects more than MAX_PAGE_SIZE rows, whatever view sets page_size."""
    from app.views.commission import PhysicianView

    add_physicians(app, 30)
    client = as_user("reviewer")
    view = next(v for v in app.appbuilder.baseviews if isinstance(v, PhysicianView))
    original = view.page_size
    app.config["MAX_PAGE_SIZE"] = 5
    try:
        view.page_size = 1000
        body = client.get(COMMISSION_LIST).get_data(as_text=True)
    finally:
        view.page_size = original
    assert len(ROW_LINK.findall(body)) == 5


@pytest.mark.parametrize(
    ("argument", "expected", "unwanted"),
    [
        ("_flt_0_id_number=110105199003121015", "physician.id_number = ", "lower("),
        ("_flt_0_name=张", "physician.name LIKE ", "lower("),
    ],
)
def test_search_arguments_use_the_indexable_filters(app, as_user, argument, expected, unwanted):
    """``_flt_0_<column>`` picks our index-friendly filter, not FAB's lower(...) LIKE default."""
    client = as_user("reviewer")
    statements = statements_for(app, client, f"{COMMISSION_LIST}?{argument}")
    listing = [s for s in statements if "FROM physician" in s]
    assert listing and all(expected in s and unwanted not in s for s in listing), listing


def test_export_joins_related_columns_instead_of_lazy_loading(app, as_user):
    client = as_user("reviewer")
    url = "/physicianview/export/"
    assert client.get(url).status_code == 200
    with counted(app) as statements:
        response = client.get(url)
    rows = response.get_data(as_text=True).strip().splitlines()
    assert len(rows) > 5  # header + the demo physicians of several institutions and regions
    assert len(statements) <= MAX_STATEMENTS, statements


# --- every list page, generated from the registry -----------------------------------------------

# The statements a list page needs: the logged-in user (with roles and groups), the count and the
# page itself (one SELECT joining every dotted column). A page with more says why here.
DEFAULT_LIST_STATEMENTS = 3
LIST_STATEMENTS = {
    "MyPhysicianView": 4,  # + the department choices of its search form
    "ActivationQueueView": 4,  # + qualification and open code of the whole page (QueueInterface)
    "MyInstitutionView": 5,  # + the region and department choices of its (default) search form
}
# FAB's own administration screens are not ours to tune (their user and role lists load each
# row's roles one by one); they are Admin-only and listed here so a new screen cannot hide.
UNTUNED_LISTS = {
    "RegistryUserView", "RegistryRoleView", "RegistryGroupView",
    "PermissionModelView", "ViewMenuModelView", "RegistryPermissionViewView",
}
LIST_USERS = ["admin", "reviewer", "reviewer_11", "inst_admin", "reviewer_44", "inst_admin_gz"]


def test_every_list_page_issues_the_statements_it_needs_and_no_more(app, client):
    """Each registered list page, for every user allowed to see it, on data with rows on every list."""
    from tests.conftest import login
    from tests.scope_data import add_scope_data

    add_scope_data(app)
    sm = app.appbuilder.sm
    lists = [v for v in app.appbuilder.baseviews if "can_list" in (getattr(v, "base_permissions", None) or [])]
    names = {type(v).__name__ for v in lists}
    assert set(LIST_STATEMENTS) | UNTUNED_LISTS <= names, "stale entries"
    worst: dict[str, int] = {}
    too_many = []
    for username in LIST_USERS:
        client.get("/logout/")
        assert login(client, username).status_code == 302
        with app.app_context():
            from app.models import RegistryUser

            user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == username))
            allowed = [v for v in lists if sm._has_view_access(user, "can_list", v.class_permission_name)]
        for view in allowed:
            name = type(view).__name__
            if name in UNTUNED_LISTS:
                continue
            count = len(statements_for(app, client, f"{view.route_base}/list/"))
            worst[name] = max(worst.get(name, 0), count)
            if count > LIST_STATEMENTS.get(name, DEFAULT_LIST_STATEMENTS) + ESTIMATE:
                too_many.append((username, name, count))
    assert not too_many, too_many
    assert names - UNTUNED_LISTS == set(worst), "a list page was not tried by any user"
    loose = {n: c for n, c in worst.items() if c < LIST_STATEMENTS.get(n, DEFAULT_LIST_STATEMENTS) + ESTIMATE}
    assert not loose, f"bounds above what the pages need, tighten them: {loose}"


# The reviewers' dashboard and the audit log: a constant number of statements, whatever the rows.
REPORT_PAGES = {
    # user; calendar entries and years; 4 counts in one UNION ALL; scopes; institutions; stage times;
    # overdue count (「约 N」 when large) and overdue page
    "/commission/dashboard/?from=2024-01-01&to=2026-12-31": 9 + ESTIMATE,
    "/commission/dashboard/rows/?from=2024-01-01&to=2026-12-31&status=approved": 3 + ESTIMATE,  # user; count; page
    "/audit/log/?from=2024-01-01&to=2026-12-31": 3 + ESTIMATE,  # user; count of the union; page of the union
}


@pytest.mark.parametrize("url, bound", list(REPORT_PAGES.items()))
def test_report_pages_issue_a_constant_number_of_statements(database_uri, make_app, url, bound):
    from bench.generate import generate
    from tests.conftest import login

    app = make_app()
    client = app.test_client()
    assert login(client, "reviewer").status_code == 302
    before = statements_for(app, client, url)
    generate(database_uri, 300, seed=3, quiet=True)
    after = statements_for(app, client, url)
    assert len(after) == len(before) == bound, before


# --- the window pages (issue 8): counted in SQL, a constant number of statements ------------------

# user + provinces + windows + qualifications by province + physicians by stage + the working-day
# calendar (entries, declared years); the province page adds the institutions' count and page; the
# institution page: user, its institution, the window with its region, the calendar, the counts.
WINDOW_PAGES = {
    ("reviewer", "/commission/window/?year=2025"): 7,
    ("reviewer_11", "/commission/window/?year=2025"): 7,
    ("reviewer", "/commission/window/"): 8,  # + the default year
    ("reviewer_11", "/commission/window/110000/?year=2025"): 9,
    ("inst_admin", "/institution/window/?year=2025"): 6,
}


def add_cohort(app, count: int, year: int = 2025) -> None:
    """Insert ``count`` physicians of cohort ``year`` (with their qualifications) at 北京朝阳示范医院."""
    from app.models import Qualification

    add_physicians(app, count)
    with app.app_context():
        rows = db.session.execute(select(Physician.id, Physician.id_number).where(Physician.name.like("测试%"))).all()
        db.session.execute(insert(Qualification), [{
            "certificate_no": f"{year}11110{number}", "name": f"测试{pid}", "id_type": "resident",
            "id_number": number, "level": "physician", "category": "clinical", "province_code": "110000",
            "exam_year": year, "published_on": dt.date(year, 9, 15),
        } for pid, number in rows])
        db.session.execute(Physician.__table__.update().where(Physician.name.like("测试%"))
                           .values(verified_at=dt.datetime(year, 10, 20), activated_at=dt.datetime(year, 10, 25)))
        rebuild_summaries(db.session)  # Core rows bypass the session: count them, as bench/generate.py does
        db.session.commit()


def test_window_pages_issue_a_constant_number_of_statements(app, client):
    from tests.conftest import login

    before = {}
    for (username, url), bound in WINDOW_PAGES.items():
        client.get("/logout/")
        assert login(client, username).status_code == 302
        before[(username, url)] = len(statements_for(app, client, url))
        assert before[(username, url)] == bound, (username, url, before[(username, url)])
    add_cohort(app, 120)
    for (username, url), count in before.items():
        client.get("/logout/")
        assert login(client, username).status_code == 302
        statements = statements_for(app, client, url)
        assert len(statements) == count, (username, url, statements)
    body = client.get("/institution/window/?year=2025").get_data(as_text=True)
    waiting = body.split('id="waiting-no_application"')[1]
    assert re.search(r'class="count"[^>]*>122<', waiting)  # the 2 of the demo and the 120 new ones


# --- the application queues, the physician's applications and an application's page ------------

QUEUES = [
    ("inst_admin", "/institution/applications/?status=pending_acceptance"),
    ("reviewer_11", "/commission/applications/"),
    ("reviewer", "/commission/applications/"),
]
QUEUE_ROW = re.compile(r'href="/(?:institution|commission|me)/applications/\d+"')


def add_applications(app, count: int) -> list[int]:
    """Add ``count`` first registrations in 待受理 at 北京朝阳示范医院 (each with its three events)."""
    from bench.bulk_approval import prepare

    with app.app_context():
        return prepare(count)


def add_own_applications(app, count: int) -> None:
    """Add ``count`` withdrawn applications, each with two events, to the demo physician 张明."""
    from app.models import Application, ApplicationEvent, RegistryUser

    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "physician"))
        physician = db.session.scalar(select(Physician).where(Physician.user_id == user.id))
        first = (db.session.scalar(select(Application.id).order_by(Application.id.desc()).limit(1)) or 0) + 1
        db.session.execute(insert(Application), [{
            "id": first + n, "number": f"W{first + n:012d}", "type": "first", "status": "withdrawn",
            "physician_id": physician.id, "institution_id": physician.institution_id,
            "region_code": physician.region_code, "data": {},
        } for n in range(count)])
        db.session.execute(insert(ApplicationEvent), [
            {"application_id": first + n, "action": action, "from_status": source, "to_status": target}
            for n in range(count)
            for action, source, target in (("create", None, "draft"), ("withdraw", "draft", "withdrawn"))
        ])
        db.session.commit()


def page_statements(app, client, url: str) -> tuple[int, int]:
    """Return the number of statements of a (warm) GET of ``url`` and the application rows it shows."""
    statements = statements_for(app, client, url)
    return len(statements), len(QUEUE_ROW.findall(client.get(url).get_data(as_text=True)))


@pytest.mark.parametrize(("username", "url"), QUEUES)
def test_queue_statement_count_does_not_depend_on_rows(app, as_user, username, url):
    client = as_user(username)
    add_applications(app, 5)
    few, shown_few = page_statements(app, client, url)
    add_applications(app, 45)
    many, shown_many = page_statements(app, client, url)
    assert shown_many > shown_few >= 5  # the page really shows more rows now
    assert many == few <= 8, (few, many)


def test_my_applications_statement_count_does_not_depend_on_rows(app, as_user):
    client = as_user("physician")
    add_own_applications(app, 5)
    few, shown_few = page_statements(app, client, "/me/applications/")
    add_own_applications(app, 45)
    many, shown_many = page_statements(app, client, "/me/applications/")
    assert shown_many > shown_few >= 5
    assert many == few <= 12, (few, many)


def test_application_page_statement_count_does_not_depend_on_events(app, as_user):
    from app.models import ApplicationEvent

    client = as_user("reviewer_11")
    application_id = add_applications(app, 1)[0]
    url = f"/commission/applications/{application_id}"
    few = len(statements_for(app, client, url))
    with app.app_context():
        db.session.execute(insert(ApplicationEvent), [
            {"application_id": application_id, "action": "confirm", "from_status": "submitted",
             "to_status": "pending_acceptance", "actor_id": None, "actor_role": "InstitutionAdmin"}
        ] * 47)
        db.session.commit()
    many = len(statements_for(app, client, url))
    assert many == few <= 12, (few, many)
