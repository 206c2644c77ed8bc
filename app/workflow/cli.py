"""`flask workflow …`: the scheduled jobs of the workflow."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

workflow = AppGroup("workflow", help="Scheduled jobs of the application workflow.")


@workflow.command("lift-suspensions")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to lift for (default: today in Beijing).")
def lift_suspensions_command(today) -> None:
    """End the suspensions (暂停执业) whose end date has passed (run daily; idempotent)."""
    from app.extensions import db
    from app.workflow.measures import lift_due_suspensions

    lifted = lift_due_suspensions(db.session, today.date() if today else None)
    click.echo(f"suspensions lifted: {lifted}")


def register_workflow_cli(app: Flask) -> None:
    """Add the ``flask workflow`` group."""
    app.cli.add_command(workflow)
