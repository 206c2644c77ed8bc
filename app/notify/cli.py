"""`flask notify dispatch [--loop]`: deliver the outbox once, or as a long-running worker."""

from __future__ import annotations

import signal
import threading
from dataclasses import asdict

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.notify.backends import BackendConfigError, build_backends
from app.notify.dispatcher import DispatchResult, dispatch_once, run_loop

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def summary(result: DispatchResult) -> str:
    """Return the translated one-line summary of a dispatch run."""
    return _("Outbox: %(sent)d sent, %(retried)d to retry, %(failed)d failed.", **asdict(result))


def _loop_until_signalled(batch: int, interval: float, backends: dict) -> DispatchResult:
    """Run the dispatcher until SIGTERM or SIGINT; the message being sent is finished first."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def request_stop(signum: int, frame: object) -> None:
        stop.set()
        for sig in STOP_SIGNALS:  # a second signal stops at once
            signal.signal(sig, signal.SIG_DFL if sig == signal.SIGTERM else signal.default_int_handler)

    for sig in STOP_SIGNALS:
        signal.signal(sig, request_stop)
    try:
        return run_loop(batch, interval, stop, backends=backends)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def register_notify_cli(app: Flask) -> None:
    """Attach the `flask notify` command group to ``app``."""
    group = AppGroup("notify", help="Deliver the notification outbox (SMS and e-mail).")

    @group.command("dispatch")
    @click.option("--loop", "loop", is_flag=True, help="Keep running until SIGTERM or SIGINT.")
    @click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1),
                  help="Messages per round.")
    @click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.05),
                  help="Seconds to wait when nothing is due (with --loop).")
    def dispatch_command(loop: bool, batch: int, interval: float) -> None:
        """Send due outbox messages once (or continuously with --loop)."""
        try:
            backends = build_backends(current_app.config)
        except BackendConfigError as exc:
            raise click.UsageError(str(exc)) from exc
        if loop:
            click.echo(_("Dispatching the outbox; stop with Ctrl+C or SIGTERM."))
            result = _loop_until_signalled(batch, interval, backends)
        else:
            result = dispatch_once(batch, backends=backends)
        click.echo(summary(result))

    app.cli.add_command(group)
