"""`flask import-qualifications FILE`: the command line face of ImportQualifications.

Exit codes: 0 every row imported, 1 some rows rejected (the good ones are imported),
2 the file cannot be read or lacks a required column (nothing imported).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MAX_SHOWN_ERRORS = 1000


class _Progress:
    """Drive a click progress bar from the command's callbacks."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def start(self, total: int) -> None:
        """Open the bar once the number of rows is estimated."""
        self.bar = click.progressbar(length=total, label=_("Importing"), file=sys.stderr)
        self.bar.__enter__()

    def advance(self, done: int) -> None:
        """Move the bar to ``done`` rows."""
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        """Finish the bar."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def register_import_cli(app: Flask) -> None:
    """Add the import commands to the app's `flask` CLI."""

    @app.cli.command("import-qualifications", help=_l("Import qualification records from a CSV or XLSX file."))
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
                  help=_l("Write the rejected rows with their reasons to this CSV file."))
    @click.option("--dry-run", is_flag=True, help=_l("Validate only; change nothing."))
    @click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(min=1),
                  help=_l("Rows per database transaction."))
    def import_qualifications_command(file: str, errors_path: str | None, dry_run: bool,
                                      batch_size: int) -> None:
        """Import qualification records from a CSV or XLSX file."""
        from app.extensions import db
        from app.imports import ImportFileError
        from app.imports.upsert import ImportQualifications, audit_import

        progress = _Progress()
        command = ImportQualifications(file, dry_run=dry_run, batch_size=batch_size, errors_path=errors_path,
                                       on_start=progress.start, on_progress=progress.advance,
                                       max_errors=MAX_SHOWN_ERRORS)
        try:
            summary = command.run()
        except ImportFileError as exc:
            progress.close()
            db.session.rollback()
            click.echo(_("Import failed: %(reason)s", reason=str(exc)), err=True)
            raise click.exceptions.Exit(2) from exc
        progress.close()
        for error in summary.errors[:MAX_SHOWN_ERRORS]:
            click.echo(_("Row %(row)s, %(column)s: %(message)s", row=error.row, column=error.column,
                         message=error.message), err=True)
        if summary.error_count > MAX_SHOWN_ERRORS:
            click.echo(_("... and %(count)s more errors (use --errors FILE to save them all).",
                         count=summary.error_count - MAX_SHOWN_ERRORS), err=True)
        if dry_run:
            click.echo(_("Dry run: nothing was written."))
        else:
            audit_import(os.path.basename(file), summary)
            db.session.commit()
        click.echo(_("Read %(read)s, inserted %(inserted)s, updated %(updated)s, unchanged %(unchanged)s, "
                     "rejected %(rejected)s, in %(seconds).1f seconds.",
                     read=summary.read, inserted=summary.inserted, updated=summary.updated,
                     unchanged=summary.unchanged, rejected=summary.rejected, seconds=summary.seconds))
        if summary.rejected:
            raise click.exceptions.Exit(1)
