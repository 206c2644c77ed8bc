"""`GET /healthz`: the liveness probe of a load balancer (no database, no session, no template)."""

from __future__ import annotations

from flask import Flask, Response


def register_health(app: Flask) -> None:
    """Answer ``/healthz`` with a plain "ok": the process serves requests."""

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})
