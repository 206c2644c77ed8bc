"""`flask jobs work [--loop]`: run due background jobs once, or as a long-running worker."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.jobs.runner import run_due, run_loop, wake

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def register_jobs_cli(app: Flask) -> None:
    """Attach the `flask jobs` command group to ``app``."""
    group = AppGroup("jobs", help="Run background jobs (imports, large exports).")

    @group.command("work")
    @click.option("--loop", "loop", is_flag=True, help="Keep running until SIGTERM or SIGINT.")
    @click.option("--batch", default=10, show_default=True, type=click.IntRange(min=1), help="Jobs per round.")
    @click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.05),
                  help="Seconds to wait when nothing is due (with --loop).")
    def work_command(loop: bool, batch: int, interval: float) -> None:
        """Run the due jobs once (or continuously with --loop)."""
        if not loop:
            click.echo(_("Jobs run: %(count)d.", count=run_due(batch)))
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()
            wake()

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        click.echo(_("Running background jobs; stop with Ctrl+C or SIGTERM."))
        try:
            run_loop(stop, interval, batch)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    app.cli.add_command(group)
