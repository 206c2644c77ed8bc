"""The list's search form in the browser: FAB's filter script builds its rows from the fields the page
hands it (the fixed ones kept per list and locale, app/views/base.py ScopedSearchWidget)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import follow, log_in

pytestmark = pytest.mark.browser


def _rows(page) -> str:
    """Return the text of the list's rows (not the search form's)."""
    return " ".join(page.locator("table.table-hover tbody tr").all_inner_texts())


def test_a_filter_is_shown_changed_and_searched_again(server, desk_page):
    page = desk_page
    log_in(page, server, "reviewer")
    page.goto(f"{server}/institutionview/list/?_flt_0_name=北京")
    assert "北京朝阳示范医院" in _rows(page)
    page.locator("#accordion1 .accordion-toggle").click()
    field = page.locator("#filter_form input[name='_flt_0_name']")
    assert field.input_value() == "北京", "the active filter is rebuilt from the kept field"
    assert page.locator("#filter_form select.filter-op option:checked").inner_text().strip() == "开头是"
    field.fill("上海")
    follow(page, "#filter_form button[type=submit]")
    assert "_flt_0_name=%E4%B8%8A%E6%B5%B7" in page.url or "_flt_0_name=上海" in page.url
    assert "上海徐汇示范医院" in _rows(page) and "北京朝阳示范医院" not in _rows(page)


def test_a_new_filter_on_a_choice_field_offers_its_chinese_labels(server, desk_page):
    page = desk_page
    log_in(page, server, "reviewer")
    page.goto(f"{server}/physicianview/list/")
    page.locator("#accordion1 .accordion-toggle").click()
    page.locator("#filter_form .dropdown-toggle").first.click()
    page.locator("#filter_form a.filter[name='status']").click()
    options = page.locator("#filter_form select.filter_val option").all_inner_texts()
    assert "已激活" in options and not any(o.isascii() and o.strip() for o in options), options
