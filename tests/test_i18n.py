"""Chinese first: a complete zh catalog (ours plus Flask-AppBuilder's strings), rendered pages in Chinese.

When a test here fails after you added a string: ``flask translate extract && flask translate update``,
translate the new empty msgstr entries in translations/zh/LC_MESSAGES/messages.po, then
``flask translate compile`` (``make test`` compiles too).
"""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po

from app.i18n import extract_fab, extract_own, po_path

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{[^{}]*\}")

# English UI words that must never show on a Chinese page (whole words, case-sensitive).
ENGLISH_UI_WORDS = [
    "Search", "Actions", "Add", "Record Count", "List", "Edit", "Delete", "Show", "Name", "Status",
    "Log in", "Login", "Logout", "User", "Users", "Language", "Back", "Save", "Unknown", "Security",
    "Page size", "Order by", "No records found", "Add Filter", "Profile", "Password", "Username",
    "Sign In", "Enter your login", "Select Value", "Yes", "No", "True", "False", "None",
    "Physician", "Physicians", "Institution", "Institutions", "Department", "Departments",
    "Registration", "Assessments", "Qualifications", "Applications", "Reset", "Detail", "Welcome",
    "Roles", "Role", "Groups", "Permissions", "Home", "Account", "Cancel", "OK", "Active", "Email",
]
_ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH_UI_WORDS) + r")(?![\w-])")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """Compile the catalog when the .mo is missing or older than the .po (`make` normally does it)."""
    po = po_path("zh")
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        from babel.messages.mofile import write_mo

        with open(po, "rb") as fileobj:
            source = read_po(fileobj)
        tmp = mo.with_suffix(".mo.tmp")
        with open(tmp, "wb") as fileobj:
            write_mo(fileobj, source, use_fuzzy=False)
        tmp.replace(mo)  # atomic, in case another test run reads it


@pytest.fixture(scope="module")
def catalog():
    """The zh catalog as babel reads it."""
    with open(po_path("zh"), "rb") as fileobj:
        return read_po(fileobj)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text or ""))


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated msgids in {po_path('zh')}: {untranslated}"
    assert not fuzzy, f"fuzzy msgids in {po_path('zh')}: {fuzzy}"
    assert not catalog.obsolete, f"obsolete entries left in the catalog: {list(catalog.obsolete)}"


def test_placeholders_are_kept(catalog):
    wrong = [
        (m.id, m.string) for m in catalog
        if m.id and isinstance(m.id, str) and _placeholders(m.id) != _placeholders(m.string)
    ]
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_translations_are_chinese(catalog):
    """A msgstr copied from the msgid (or left in English) is not a translation."""
    english = [m.id for m in catalog if m.id and isinstance(m.string, str)
               and not re.search(r"[\u4e00-\u9fff]", m.string)]
    assert not english, f"msgstr without any Chinese character: {english}"


def test_catalog_covers_our_sources(catalog):
    """Extracting app/**.py and app/templates/**.html now yields no msgid missing from the catalog."""
    missing = sorted(
        f"{m.id!r} ({m.locations[0][0]}:{m.locations[0][1]})"
        for m in extract_own() if m.id and catalog.get(m.id, m.context) is None
    )
    assert not missing, (
        "strings without translation - run `flask translate extract && flask translate update` "
        f"and translate them: {missing}"
    )


def test_catalog_covers_flask_appbuilder(catalog):
    """Every string Flask-AppBuilder marks for translation is in our catalog (its own zh is incomplete)."""
    missing = sorted(m.id for m in extract_fab() if m.id and catalog.get(m.id, m.context) is None)
    assert not missing, f"Flask-AppBuilder strings missing from our catalog: {missing}"


def test_fab_strings_come_from_our_catalog(app):
    """Our catalog is consulted after FAB's and wins where both translate a string."""
    from flask_babel import gettext

    with app.test_request_context("/"):
        assert gettext("Search") == "查询"  # FAB's own zh catalog says 搜索
        assert gettext("Groups") == "用户组"  # missing from FAB's own zh catalog
        assert gettext("Medical institutions") == "医疗机构"


def visible_text(body: str) -> str:
    """Return the human-visible text of a page: no scripts, styles, comments or tags."""
    body = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1>", " ", body)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    # placeholders and tooltips are visible too
    attrs = " ".join(re.findall(r'(?i)\b(?:placeholder|title|alt)="([^"]*)"', body))
    body = re.sub(r"(?s)<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body + " " + attrs))


def english_leaks(body: str) -> list[str]:
    """Return the English UI words found in the visible text of a page."""
    text = visible_text(body)
    # language names in the language menu are shown in their own language on purpose
    text = text.replace("English", " ")
    return sorted(set(_ENGLISH.findall(text)))


PAGES = [
    (None, "/login/", ["登录", "密码"]),
    ("reviewer_11", "/physicianview/list/", ["医师", "证件号码", "查询"]),
    ("reviewer_11", "/institutionview/list/", ["医疗机构", "执业许可证登记号"]),
    ("reviewer_11", "/institutionview/add", ["医疗机构", "保存"]),
    ("inst_admin", "/myphysicianview/list/", ["本机构医师", "状态"]),
    ("inst_admin", "/myinstitutionview/list/", ["本机构", "自动激活"]),
    ("physician", "/me/", ["个人中心", "医师资格", "执业注册"]),
    ("admin", "/users/list/", ["用户列表", "安全管理", "角色"]),
]


@pytest.mark.parametrize(("username", "url", "expected"), PAGES, ids=[p[1] for p in PAGES])
def test_pages_render_in_chinese(client, as_user, username, url, expected):
    if username:
        as_user(username)
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_data(as_text=True)
    text = visible_text(body)
    for label in expected:
        assert label in text, f"{label!r} missing on {url}"
    assert english_leaks(body) == [], f"English UI words on {url}: {english_leaks(body)}"


def test_english_is_selectable(client, as_user):
    as_user("reviewer_11")
    response = client.get("/lang/en")
    assert response.status_code == 302
    text = visible_text(client.get("/physicianview/list/").get_data(as_text=True))
    assert "Physicians" in text and "Search" in text
    assert "医师证件号码" not in text and "查询" not in text
    client.get("/lang/zh")
    assert "查询" in visible_text(client.get("/physicianview/list/").get_data(as_text=True))


FAB_ADMIN_PAGES = ("/users/", "/roles/", "/groups/", "/permissions/", "/viewmenus/", "/permissionviews/")
# Admin-only screens whose content IS the permission identifiers ("can list on Physicians").
PERMISSION_PAGES = ("/roles/list/", "/roles/show", "/permissions/", "/viewmenus/", "/permissionviews/")


def _html_pages(app) -> list[str]:
    """Every parameterless GET page of the registered views (not APIs, exports, files or JSON)."""
    skip = ("/api/", "/static", "/export/", "/download/", "/captcha.png", "/institutions", "/lang/", "/logout/")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(skip):
            if not any(part in rule.rule for part in skip):
                urls.append(rule.rule)
    return sorted(set(urls))


@pytest.mark.parametrize("username", ["admin", "reviewer_11", "inst_admin", "physician", None])
def test_no_english_on_any_page(app, client, as_user, username):
    """Generated from the URL map: a new screen with an untranslated label fails here."""
    if username:
        as_user(username)
    checked = 0
    for url in _html_pages(app):
        if url.startswith(PERMISSION_PAGES):
            continue
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        body = response.get_data(as_text=True)
        if url.startswith(FAB_ADMIN_PAGES):
            # role and permission names are identifiers there (the drop-downs of FAB's own forms)
            body = re.sub(r"(?s)<option\b[^>]*>.*?</option>", "", body)
            body = re.sub(r">\s*(Admin|CommissionReviewer|InstitutionAdmin|Physician|Public)\s*<", "><", body)
        assert english_leaks(body) == [], f"English UI words on {url} as {username}: {english_leaks(body)}"
        checked += 1
    assert checked >= (3 if username in (None, "physician") else 8)
