"""Every page keeps the layout's gutter: on a phone no heading or form touches the screen's edge, and on a
desk no page starts left of the header's content, and the full-width ones line up with it. Screenshots go to tests/artifacts/gutter-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PAGES = {
    "reviewer": ["/commission/applications/", "/commission/dashboard/", "/commission/window/", "/audit/log/",
                 "/physicianview/list/", "/commission/imports/"],
    "inst_admin": ["/institution/applications/", "/institution/window/", "/myphysicianview/list/"],
    "physician": ["/me/", "/me/applications/", "/me/applications/new/first"],
    "": ["/", "/faq/", "/login/", "/no-such-page"],  # nobody logged in; the last one is our 404 page
}
FIRST_BLOCK = "h1, .panel, .home-hero"  # the page's heading, or the panel FAB's lists open with


def left_of_first_block(page) -> float:
    return page.evaluate(f"() => document.querySelector('#main-content').querySelector('{FIRST_BLOCK}')"
                         ".getBoundingClientRect().left")


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_keep_the_gutter_on_a_phone_and_line_up_with_the_header_on_a_desk(server, page, desk_page, username):
    ARTIFACTS.mkdir(exist_ok=True)
    if username:
        log_in(page, server, username)
        log_in(desk_page, server, username)
    else:
        desk_page.goto(server + "/")
    header = desk_page.evaluate("() => document.querySelector('.site-header .container').getBoundingClientRect().left"
                                " + parseFloat(getComputedStyle(document.querySelector('.site-header .container'))"
                                ".paddingLeft)")
    lined_up = []
    for url in PAGES[username]:
        for screen in (page, desk_page):
            response = screen.goto(server + url)
            assert response.status == (404 if "no-such" in url else 200), url
        name = url.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"gutter-{name}-390.png"))
        assert left_of_first_block(page) >= 12, url  # off the phone's edge
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, url  # nothing pushes sideways
        desk = left_of_first_block(desk_page)
        assert desk >= header - 1, url  # never left of the header's content (a centred column may sit further in)
        lined_up.append(abs(desk - header) <= 1)
    assert any(lined_up)  # the full-width pages line up with it
