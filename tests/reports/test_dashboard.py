"""The reviewers' dashboard: numbers equal direct SQL counts, scoped, linked, exportable."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from bench.generate import generate

RANGE = "from=2024-01-01&to=2026-12-31"
URL = f"/commission/dashboard/?{RANGE}"


@pytest.fixture
def generated(database_uri):
    """A database with the demo plus generated physicians and applications."""
    generate(database_uri, 600, seed=11, quiet=True)
    return database_uri


def sql(uri: str, statement: str, **params) -> list:
    engine = create_engine(uri)
    with engine.connect() as conn:
        rows = conn.execute(text(statement), params).all()
    engine.dispose()
    return rows


def table_counts(body: str, table_id: str) -> dict[str, int]:
    """Read a count table of the page: row label -> number."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S).group(0)
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="text-right"><a href="[^"]*">([\d,]+)</a>', table, re.S)
    return {label.strip(): int(n.replace(",", "")) for label, n in rows}


def test_page_shows_for_reviewer(app, as_user):
    body = as_user("reviewer").get(URL).get_data(as_text=True)
    assert "统计分析" in body
