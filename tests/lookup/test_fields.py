"""The lookup shows exactly the public fields, on the page and in the API, and never a private value."""

from __future__ import annotations

import json
import re

import pytest

from tests.lookup.conftest import CHAOYANG, HAIDIAN, SUSPENDED_UNTIL, api_lookup, web_lookup
from tests.test_i18n import english_leaks, visible_text

PUBLIC_KEYS = {"name", "level", "level_label", "category", "category_label", "scopes", "location", "institution",
               "filings", "certificate_no", "status", "status_label", "suspended_until"}
FILING_KEYS = {"institution", "valid_from", "valid_to", "scopes"}
PUBLIC_LABELS = ["执业证书编码", "级别", "执业类别", "执业范围", "执业地点", "主要执业机构", "多机构备案", "注册状态"]


def _cards(body: str) -> list[str]:
    return re.findall(r'(?s)<article class="lookup-card".*?</article>', body)


def _all_secrets(people) -> list[str]:
    return [secret for person in people.values() for secret in person.secrets()]


def test_page_cards_carry_exactly_the_public_fields(client, people):
    response = web_lookup(client)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    cards = _cards(body)
    assert len(cards) == 2  # the demo's 张明 and his namesake at the same institution, nobody else
    for card in cards:
        assert re.findall(r"<dt>([^<]+)</dt>", card) == PUBLIC_LABELS
    text = visible_text(body)
    assert people["zhang"].certificate_no in text and people["namesake"].certificate_no in text
    for secret in _all_secrets(people):
        assert secret not in body, secret
    assert english_leaks(body) == []


def test_api_answers_exactly_the_public_keys(client, people):
    response = api_lookup(client)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["count"] == 2 and len(data["result"]) == 2
    for record in data["result"]:
        assert set(record) == PUBLIC_KEYS
    assert {r["certificate_no"] for r in data["result"]} == {people["zhang"].certificate_no,
                                                              people["namesake"].certificate_no}
    raw = json.dumps(data, ensure_ascii=False)
    for secret in _all_secrets(people):
        assert secret not in raw, secret


def test_filed_physician_is_found_at_the_filing_institution(client, people):
    data = api_lookup(client, name="钱伟", institution=HAIDIAN).get_json()
    (record,) = data["result"]
    assert record["institution"] == CHAOYANG and record["location"] == "北京市"
    (filing,) = record["filings"]
    assert set(filing) == FILING_KEYS and filing["institution"] == HAIDIAN and filing["scopes"] == ["内科专业"]
    body = web_lookup(client, name="钱伟", institution=HAIDIAN).get_data(as_text=True)
    assert HAIDIAN in visible_text(body.split('class="lookup-filings"', 1)[1].split("</ul>", 1)[0])


def test_an_ended_filing_neither_matches_nor_shows(client, people):
    response = api_lookup(client, name="孙强", institution=HAIDIAN)
    assert response.status_code == 404 and response.get_json()["code"] == "lookup_no_match"
    (record,) = api_lookup(client, name="孙强", institution=CHAOYANG).get_json()["result"]
    assert record["filings"] == []


@pytest.mark.parametrize(("who", "label", "until"), [
    ("zhang", "有效", None),
    ("namesake", "暂停执业至 2027-02-28", SUSPENDED_UNTIL.isoformat()),
    ("zhou", "已注销", None),
])
def test_statuses_read_in_words(client, people, who, label, until):
    person = people[who]
    records = {r["certificate_no"]: r for r in api_lookup(client, name=person.name).get_json()["result"]}
    record = records[person.certificate_no]
    assert record["status_label"] == label and record["suspended_until"] == until
    body = web_lookup(client, name=person.name).get_data(as_text=True)
    card = next(c for c in _cards(body) if person.certificate_no in c)
    state = re.search(r'class="lookup-facts__state">\s*([^<]+?)\s*</dd>', card).group(1)
    assert state == label
    assert re.search(r'class="label lookup-state[^"]*">\s*' + re.escape(label), card)  # words, not colour alone
