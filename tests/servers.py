"""Real servers for tests: a free port, a throw-away redis-server, an SMTP server that keeps what it gets."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager

import redis
from aiosmtpd.controller import Controller


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a process (kill it after 10 s) and close its output pipe."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def start_redis(directory) -> tuple[subprocess.Popen, int]:
    """Start redis-server on a free port and wait until it answers PING."""
    for _attempt in range(3):
        port = free_port()
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(directory)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    client.close()
                    return process, port
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        client.close()
        stop_process(process)  # the port was taken meanwhile, or the server did not come up: try another
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    raise RuntimeError(f"redis-server did not start:\n{output}")


class _Collector:
    """aiosmtpd handler keeping every received envelope."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server():
    """A real SMTP server on 127.0.0.1; yields (port, list of received envelopes)."""
    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler.envelopes
    finally:
        controller.stop()
