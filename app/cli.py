"""Command-line tasks: `flask init`, `flask seed-demo`, `flask import-qualifications`, `flask check-invariants`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask_babel import gettext as _


def register_cli(app: Flask) -> None:
    """Attach our commands to the app's `flask` CLI."""
    from app.i18n import register_translate_cli
    from app.imports.cli import register_import_cli
    from app.jobs.cli import register_jobs_cli
    from app.notify.cli import register_notify_cli

    register_import_cli(app)
    register_notify_cli(app)
    register_jobs_cli(app)
    register_translate_cli(app)
    from app.workflow.cli import register_workflow_cli

    register_workflow_cli(app)
    from app.reminders.cli import register_reminders_cli

    register_reminders_cli(app)
    from app.summaries.cli import register_summaries_cli

    register_summaries_cli(app)

    @app.cli.command("init")
    def init_command() -> None:
        """Create roles and permissions, and load regions and practice scopes (idempotent)."""
        from app.reference import load_regions, load_scopes, sync_roles

        counts = sync_roles(current_app.appbuilder)
        for name, n in counts.items():
            click.echo(_("Role %(name)s: %(count)d permissions", name=name, count=n))
        inserted, updated = load_regions()
        click.echo(_("Regions: %(added)d added, %(updated)d updated", added=inserted, updated=updated))
        click.echo(_("Practice scopes: %(added)d added", added=load_scopes()))

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even if the database already has data.")
    def seed_demo_command(force: bool) -> None:
        """Create the demo institutions, qualifications and accounts (only into an empty database)."""
        from app.demo import seed_demo

        click.echo(seed_demo(force=force))

    @app.cli.command("check-invariants")
    def check_invariants_command() -> None:
        """Check the whole database against the registry's invariants; exit 1 on any violation."""
        from app.extensions import db
        from app.workflow.invariants import check_invariants, report

        results = check_invariants(db.session.connection(), current_app.config.get("MAX_SCOPES", 3))
        click.echo(report(results))
        if any(result.count for result in results):
            raise SystemExit(1)
