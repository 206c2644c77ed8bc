"""`flask jobs work [--loop]`: the background worker — jobs, the outbox, and the periodic jobs."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.jobs import enqueue_scheduled
from app.jobs.runner import run_due, run_loop, start_outbox_thread, wake
from app.notify.backends import BackendConfigError, build_backends

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def register_jobs_cli(app: Flask) -> None:
    """Attach the `flask jobs` command group to ``app``."""
    group = AppGroup("jobs", help="Run background jobs (imports, large exports, reminders) and deliver the outbox.")

    @group.command("work")
    @click.option("--loop", "loop", is_flag=True, help="Keep running until SIGTERM or SIGINT.")
    @click.option("--batch", default=10, show_default=True, type=click.IntRange(min=1), help="Jobs per round.")
    @click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.05),
                  help="Seconds to wait when nothing is due (with --loop).")
    @click.option("--outbox/--no-outbox", default=True, show_default=True,
                  help="Also deliver the outbox in a thread of this worker (with --loop).")
    def work_command(loop: bool, batch: int, interval: float, outbox: bool) -> None:
        """Run the due jobs once (or continuously with --loop, delivering the outbox too)."""
        if not loop:
            enqueue_scheduled()
            click.echo(_("Jobs run: %(count)d.", count=run_due(batch)))
            return
        if outbox:
            try:
                build_backends(current_app.config)
            except BackendConfigError as exc:
                raise click.UsageError(str(exc)) from exc
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()
            wake()

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        click.echo(_("Running background jobs; stop with Ctrl+C or SIGTERM."))
        dispatcher = start_outbox_thread(current_app._get_current_object(), stop, interval) if outbox else None
        try:
            run_loop(stop, interval, batch)
        finally:
            stop.set()
            if dispatcher is not None:
                dispatcher.join()  # the message being sent is finished first
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    app.cli.add_command(group)
