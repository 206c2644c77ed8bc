"""`flask summaries rebuild` (recount everything, idempotent) and `flask summaries check` (exit 1 on a difference)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

summaries = AppGroup("summaries", help="The maintained counts of the window page: rebuild or check them.")


@summaries.command("rebuild")
def rebuild_command() -> None:
    """Recount the summaries from the raw rows in one transaction (safe to run again)."""
    from app.extensions import db
    from app.summaries.rebuild import rebuild

    started = time.perf_counter()
    counts = rebuild(db.session)
    db.session.commit()
    for table, n in counts.items():
        click.echo(_("%(table)s: %(num)s rows", table=table, num=f"{n:,}"))
    click.echo(_("Rebuilt in %(seconds)s s.", seconds=f"{time.perf_counter() - started:.1f}"))


@summaries.command("check")
def check_command() -> None:
    """Compare the summaries with the raw counts; exit 1 if they differ."""
    from app.extensions import db
    from app.summaries.rebuild import differences

    found = differences(db.session)
    db.session.rollback()
    for line in found:
        click.echo(line, err=True)
    if found:
        click.echo(_("The summaries differ from the raw counts: run `flask summaries rebuild`."), err=True)
        raise SystemExit(1)
    click.echo(_("The summaries equal the raw counts."))


def register_summaries_cli(app: Flask) -> None:
    """Add the ``flask summaries`` group."""
    app.cli.add_command(summaries)
