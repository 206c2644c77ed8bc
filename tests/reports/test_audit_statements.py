"""The audit log builds its statements from aliases made once (aliasing a mapped class per request costs ms)."""

from __future__ import annotations

import re

import app.reports.audit as audit


def test_audit_log_page_aliases_nothing_per_request(app, as_user, monkeypatch):
    client = as_user("reviewer_11")

    def refuse(*args, **kwargs):
        raise AssertionError("aliased() called while serving a request")

    monkeypatch.setattr(audit, "aliased", refuse)
    response = client.get("/audit/log/", query_string={"person": "何", "actor": "inst"})
    assert response.status_code == 200
    assert re.search(r"<caption>共\s*[\d,]+\s*条", response.get_data(as_text=True))
