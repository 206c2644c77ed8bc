"""bench/season_pages.py times every season page against its SQL and the site's shell (smoke run on the test data)."""

from __future__ import annotations

import sys

from bench.season_pages import SHELL, add_shell_route, main
from tests.conftest import login


def test_every_season_page_runs_next_to_its_sql_and_the_shell(database_uri, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["season_pages.py", "--database-url", database_uri, "--runs", "1"])
    main()
    out = capsys.readouterr().out
    assert "shell ms" in out and "vs SQL+shell" in out
    rows = [line for line in out.splitlines() if line.rstrip().endswith("x") and "  " in line]
    assert len(rows) == 12, out
    for label in ("window, national", "province 110000, 北京", "institution window", "dashboard, national",
                  "rows: overdue, national", "audit log, 北京"):
        assert any(line.startswith(label) for line in rows), label


def test_the_shell_is_the_layout_without_content_and_only_for_a_logged_in_user(make_app):
    app = make_app()
    add_shell_route(app)
    client = app.test_client()
    assert client.get(SHELL).status_code == 403
    login(client, "reviewer")
    body = client.get(SHELL).get_data(as_text=True)
    assert '<nav class="navbar site-nav"' in body and "受理与审批" in body, "the menu of the user's roles"
    assert 'id="main-content"' in body and "<table" not in body
