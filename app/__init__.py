"""Application factory of the physician electronic registration system."""

from __future__ import annotations

import logging

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf, db, migrate


def create_app(config: object | str = "config.Config") -> Flask:
    """Create and configure an application; tests pass ``config.TestConfig``."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", logging.INFO))

    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind a reverse proxy the limiter must key on the real client, not the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    db.init_app(app)
    if not app.config.get("DATABASE_JIT", False):
        with app.app_context():
            event.listen(db.engine, "connect", _postgresql_without_jit)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    # CSRF before AppBuilder, so FAB's APIs stay exempt and no GET or form post is unprotected.
    csrf.init_app(app)

    from app.views.base import install_paging_guard, install_pk_guard
    from app.views.index import RegistryIndexView

    with app.app_context():
        # A new AppBuilder per app: one instance must never serve two apps.
        appbuilder = AppBuilder(indexview=RegistryIndexView)
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)

    from app.templating import install_templating

    install_templating(app)
    install_paging_guard(app)
    install_pk_guard(app)
    from app.errors import register_error_handlers

    register_error_handlers(app)
    from app.jobs.runner import install_in_process_runner

    install_in_process_runner(app)
    from app.summaries import install as install_summaries

    install_summaries()  # the window's counts follow every write (app/summaries/__init__.py)
    from app.health import register_health

    register_health(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def _postgresql_without_jit(dbapi_connection, _record) -> None:
    """Switch PostgreSQL's JIT compiler off for this application's connections (DATABASE_JIT).

    The JIT compiles a plan whose estimated cost passes ``jit_above_cost``. The window's and the
    dashboard's statements (unions of a dozen branches) pass it at any size and then spend seconds
    compiling for milliseconds of work (19 s against 0.2 s for `flask summaries check` on a test
    database): the usual advice for a transactional application, which this one is.
    """
    if type(dbapi_connection).__module__.startswith("psycopg2"):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.commit()


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL does."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
