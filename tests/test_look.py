"""One look for every page (issue 6 items 11, 12, 14): layout, footer, Chinese error pages, home, FAQ, start page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest, TooManyRequests

from app.domain.enums import AccountStatus
from app.extensions import db
from app.models import Physician, RegistryUser
from app.security.roles import COMMISSION_REVIEWER
from app.security.scope import Scope
from tests.conftest import PASSWORD
from tests.test_i18n import _html_pages, english_leaks, visible_text
from tests.test_query_counts import counted

HOTLINE = "12320"


def _body(response) -> str:
    return response.get_data(as_text=True)


def assert_in_layout(body: str) -> None:
    """The page has our document shell: Chinese language, skip link, header with the name, footer."""
    assert '<html lang="zh-CN"' in body
    assert 'href="#main-content"' in body and "跳到主要内容" in body
    assert 'id="main-content"' in body
    assert 'class="site-header"' in body and "医师电子化注册信息系统" in body
    assert 'class="site-footer"' in body and "主办单位" in body and HOTLINE in body


@pytest.mark.parametrize("username", ["admin", "reviewer_11", "inst_admin", "physician", None])
def test_every_page_has_the_layout_and_the_footer(app, client, as_user, username):
    """Generated from the URL map: every HTML page a role can open has the header, footer and lang."""
    if username:
        as_user(username)
    checked = 0
    for url in _html_pages(app):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        assert_in_layout(_body(response))
        checked += 1
    assert checked >= (4 if username in (None, "physician") else 8)


def test_footer_items_come_from_configuration_and_empty_ones_are_hidden(make_app):
    app = make_app(FOOTER_SPONSOR="某省卫生健康委员会", FOOTER_SUPPORT="某信息中心", FOOTER_ICP="京ICP备00000000号-1",
                   FOOTER_PSB="京公网安备 11010502000000号", FOOTER_PSB_CODE="11010502000000",
                   FOOTER_SITE_ID="bm01000001", FOOTER_HOTLINE="010-12345678", FOOTER_HOTLINE_HOURS="工作日 9:00—17:00")
    body = _body(app.test_client().get("/faq/"))
    footer = body[body.index('class="site-footer"'):]
    for text in ("某省卫生健康委员会", "技术支持", "某信息中心", "网站标识码", "bm01000001", "010-12345678",
                 "工作日 9:00—17:00", "京公网安备 11010502000000号"):
        assert text in footer, text
    assert re.search(r'<a href="https://beian.miit.gov.cn/"[^>]*>京ICP备00000000号-1</a>', footer)
    assert "beian.mps.gov.cn" in footer and "code=11010502000000" in footer
    assert 'href="tel:01012345678"' in footer

    bare = make_app(FOOTER_SPONSOR="", FOOTER_SUPPORT="", FOOTER_ICP="", FOOTER_PSB="", FOOTER_HOTLINE="")
    footer = _body(bare.test_client().get("/faq/")).split('class="site-footer"', 1)[1]
    for label in ("主办单位", "技术支持", "服务热线", "beian.miit.gov.cn", "公网安备", "网站标识码"):
        assert label not in footer, label


ERROR_CASES = [
    ("/no-such-page/", "get", 404, "页面不存在"),
    ("/faq/", "post", 405, "不支持此操作方式"),
]


@pytest.mark.parametrize(("url", "method", "status", "title"), ERROR_CASES)
def test_error_pages_are_chinese_and_in_the_layout(client, url, method, status, title):
    response = getattr(client, method)(url)
    assert response.status_code == status
    body = _body(response)
    assert_in_layout(body)
    assert f"<h1 id=\"error-title\">{title}</h1>" in body
    assert "返回首页" in body and "如需帮助，请拨打服务热线" in body
    assert english_leaks(body) == []
    assert not re.search(r"Not Found|Method Not Allowed|Werkzeug|Traceback", body)


def test_forbidden_page_for_a_logged_in_user(as_user):
    client = as_user("physician")
    response = client.get("/physicianview/list/", headers={"Referer": "http://localhost/me/"})
    assert response.status_code == 403
    body = _body(response)
    assert_in_layout(body)
    assert "您没有访问此页面的权限" in body
    assert 'href="http://localhost/me/"' in body and "返回上一页" in body  # the way back
    assert "访问被拒绝" not in body


def test_bad_request_and_too_many_requests_pages(app, client):
    @app.route("/test-rate-limited")
    def rate_limited():
        raise TooManyRequests(retry_after=42)

    @app.route("/test-bad-request")
    def bad_request():
        raise BadRequest()

    response = client.get("/test-rate-limited")
    assert response.status_code == 429 and response.headers["Retry-After"] == "42"
    body = _body(response)
    assert_in_layout(body)
    assert "操作过于频繁" in body and "42 秒后重试" in body

    response = client.get("/test-bad-request")
    assert response.status_code == 400
    assert_in_layout(_body(response))
    assert "请求无法处理" in _body(response) and "Bad Request" not in _body(response)


def test_unexpected_exception_answers_our_500_page(make_app):
    """Outside tests exceptions are not propagated: the visitor gets our page, saying nothing was saved."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/test-boom")
    def boom():
        raise RuntimeError("database exploded: secret details")

    response = app.test_client().get("/test-boom")
    assert response.status_code == 500
    body = _body(response)
    assert_in_layout(body)
    assert "系统出现问题，请稍后再试" in body
    assert "未能保存" in body and HOTLINE in body
    assert "secret details" not in body and "RuntimeError" not in body and "Traceback" not in body


def test_tests_still_see_the_traceback_by_default(app):
    @app.route("/test-boom")
    def boom():
        raise RuntimeError("visible to the test")

    with pytest.raises(RuntimeError):
        app.test_client().get("/test-boom")


def test_anonymous_visitor_is_asked_to_log_in_and_kept_on_course(client):
    response = client.get("/physicianview/list/?page_PhysicianView=1")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login/") and "next=" in location and "physicianview" in location
    body = _body(client.get(location))
    assert "请先登录" in body and "登录后将自动回到您要访问的页面" in body
    assert "访问被拒绝" not in body
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    response = client.post(location, data={"username": "reviewer_11", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/physicianview/list/?page_PhysicianView=1")  # back on course


def test_home_page_explains_the_process_and_offers_two_ways_in(client):
    body = _body(client.get("/"))
    text = visible_text(body)
    steps = ["身份核验", "账号信息", "手机验证", "账户激活", "业务申请", "机构审核", "卫健委受理 / 审批"]
    process = visible_text(body[body.index('<ol class="process"'):body.index("</ol>", body.index('<ol class="process"'))])
    positions = [process.index(step) for step in steps]
    assert positions == sorted(positions)  # drawn in order
    assert "成绩公布30日后" in text and "12月31日" in text and "两年及以上" in text
    assert 'href="/signup/"' in body and "/login/?audience=physician" in body and "/login/?audience=staff" in body
    assert 'href="/faq/"' in body
    assert english_leaks(body) == []


def test_home_page_follows_the_opening_delay_setting(make_app):
    body = _body(make_app(ACCOUNT_OPENING_DELAY_DAYS=15).test_client().get("/"))
    assert "成绩公布15日后" in body


def test_faq_answers_from_the_rules(client):
    text = visible_text(_body(client.get("/faq/")))
    for fact in ("激活码", "72小时", "自动激活", "5分钟", "军队", "12月31日", "找回密码", "1至3个"):
        assert fact in text, fact


def test_login_page_says_whose_log_in_it_is(client):
    staff = _body(client.get("/login/?audience=staff"))
    physician = _body(client.get("/login/?audience=physician"))
    plain = _body(client.get("/login/"))
    assert "卫生健康行政部门为您开设的账号" in staff and "开通账户时设置的用户名" not in staff
    assert "开通账户时设置的用户名" in physician
    assert "login-hint" not in plain and 'name="username"' in plain


def test_physician_still_lands_on_me(as_user):
    response = as_user("physician").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/")


def _tile_counts(body: str) -> dict[str, int]:
    tiles = re.findall(r'id="tile-(\w+)".*?tile__count tnum">([\d,]+)<', body, re.S)
    return {key: int(count.replace(",", "")) for key, count in tiles}


def test_institution_admin_start_page_counts_and_links(app, as_user):
    client = as_user("inst_admin")
    body = _body(client.get("/"))
    assert "待办事项" in body
    with app.app_context():
        user = db.session.scalar(select(RegistryUser).where(RegistryUser.username == "inst_admin"))
        waiting = db.session.scalar(select(func.count()).select_from(Physician).where(
            Physician.status == AccountStatus.VERIFIED, Physician.institution_id == user.institution_id))
    counts = _tile_counts(body)
    assert counts["activation"] == waiting > 0
    assert set(counts) == {"activation", "review", "physicians"}
    assert 'href="/activationqueueview/list/"' in body and 'href="/myphysicianview/list/"' in body
    assert 'href="/institution/applications/"' in body and counts["review"] == 2  # 周敏 and 吴昊 wait
    assert english_leaks(body) == []


@pytest.mark.parametrize("username", ["reviewer", "reviewer_11", "admin"])
def test_reviewer_start_page_counts_link_to_the_queues(as_user, username):
    body = _body(as_user(username).get("/"))
    counts = _tile_counts(body)
    assert set(counts) == {"acceptance", "decision", "overdue", "activation"}
    assert "/commission/applications/?status=pending_acceptance" in body and "/commission/applications/?status=accepted" in body
    assert counts["activation"] >= 1


def test_start_counts_are_row_scoped(app):
    """The same count in a jurisdiction without those accounts is zero: counts go through the scope."""
    from app.views.index import reviewer_tiles

    with app.test_request_context("/"):
        national = {t.key: t.count for t in reviewer_tiles(Scope(role=COMMISSION_REVIEWER, jurisdiction="000000"))}
        shanghai = {t.key: t.count for t in reviewer_tiles(Scope(role=COMMISSION_REVIEWER, jurisdiction="310000"))}
        nobody = {t.key: t.count for t in reviewer_tiles(Scope(role=None))}
    assert national["activation"] >= 1
    assert shanghai["activation"] == 0
    assert set(nobody.values()) == {0}


@pytest.mark.parametrize(("username", "tiles"), [("inst_admin", 3), ("reviewer_11", 4)])
def test_start_page_issues_one_count_per_tile(app, as_user, username, tiles):
    client = as_user(username)
    client.get("/")
    with counted(app) as statements:
        assert client.get("/").status_code == 200
    counts = [s for s in statements if re.match(r"(?is)\s*select\s+count\(\*\)", s)]
    assert len(counts) == tiles, statements
    assert len(statements) <= tiles + 2, statements  # plus the user (and the institution's name)


def test_large_text_switch_works_without_javascript(client):
    body = _body(client.get("/faq/"))
    assert "大字版" in body and "/text-size?large=1" in body
    response = client.get("/text-size?large=1&next=/faq/")
    assert response.status_code == 302 and response.headers["Location"] == "/faq/"
    assert "large_text=1" in response.headers["Set-Cookie"]
    body = _body(client.get("/faq/"))
    assert 'class="large-text"' in body and "标准版" in body
    client.get("/text-size?large=0&next=/faq/")
    assert 'class="large-text"' not in _body(client.get("/faq/"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_large_text_switch_is_no_open_redirect(client, target):
    response = client.get("/text-size", query_string={"large": "1", "next": target})
    assert response.headers["Location"] == "/"


def test_date_fields_get_the_chinese_date_picker(app, as_user):
    body = _body(as_user("reviewer_11").get("/windowview/add"))
    assert "appbuilder_date" in body and "/static/js/datepicker-zh-CN.js" in body
    script = app.test_client().get("/static/js/datepicker-zh-CN.js")
    text = script.get_data(as_text=True)
    script.close()
    assert '"zh-CN"' in text and "星期一" in text and "今天" in text and "weekStart: 1" in text


def test_pages_use_local_assets_only(client):
    body = _body(client.get("/"))
    assert not re.search(r'(?:src|href)="(?:https?:)?//(?!beian)', body)  # no CDN, no web font
    css = client.get("/static/css/site.css")
    text = css.get_data(as_text=True)
    css.close()
    assert "@font-face" not in text and "tabular-nums" in text and "PingFang SC" in text
