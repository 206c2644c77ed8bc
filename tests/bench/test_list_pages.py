"""bench/list_pages.py runs every commission list case against its bare route (smoke run on the test data)."""

from __future__ import annotations

from types import SimpleNamespace

from bench.list_pages import run


def test_every_commission_list_case_runs_against_its_bare_route(database_uri, capsys):
    args = SimpleNamespace(runs=1, deep_page=3, user="reviewer")
    physicians, first_pages = run(database_uri, args)
    out = capsys.readouterr().out
    assert physicians > 0
    for name in ("PhysicianView", "QualificationView", "RegistrationView", "ApplicationView",
                 "CommissionQueueView", "CommissionProfileChangeView", "AuditLogView", "SecurityEventView"):
        assert name in first_pages, name
    assert "ID number" in out and "name prefix 张" in out and "page 3" in out
