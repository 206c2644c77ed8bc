"""`flask reminders run`: write the reminders due today (cron it; running it again or on several machines is safe)."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models.reminder import ReminderKind

reminders = AppGroup("reminders", help="Reminders to physicians, institutions and reviewers, through the outbox.")

KIND_LABELS = {
    ReminderKind.WINDOW_CLOSING: _l("Registration window closing (physicians)"),
    ReminderKind.CONFIRMATION_WAITING: _l("Applications waiting for confirmation (institutions)"),
    ReminderKind.REVIEW_DIGEST: _l("Daily digest of due applications (reviewers)"),
}


def _date(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD") from None


@reminders.command("run")
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="The day to run for (default: today in Beijing).")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(min=1), help="Recipients per transaction.")
def run_command(today: dt.date | None, batch: int) -> None:
    """Write the reminders due today that have not been written yet; exit 1 if a calendar year is missing."""
    from app.domain.clock import today_in_beijing
    from app.extensions import db
    from app.reminders.run import run_reminders

    result = run_reminders(db.session, today or today_in_beijing(), batch)
    click.echo(_("Reminders for %(day)s:", day=result.today.isoformat()))
    for kind, tally in result.tallies.items():
        click.echo(_(
            "%(kind)s: %(sent)d sent (%(messages)d messages), %(already)d already sent by another run, "
            "%(unreachable)d without contact details",
            kind=KIND_LABELS[ReminderKind(kind)], sent=tally.sent, messages=tally.messages,
            already=tally.already, unreachable=tally.unreachable,
        ))
    for what, year in result.skipped:
        click.echo(_("Skipped: %(what)s. The working-day calendar of %(year)s is not entered; enter it on the "
                     "working-day calendar screen.", what=what, year=year), err=True)
    if result.skipped:
        raise SystemExit(1)


def register_reminders_cli(app: Flask) -> None:
    """Add the ``flask reminders`` group."""
    app.cli.add_command(reminders)
