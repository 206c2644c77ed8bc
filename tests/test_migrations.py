"""Migrations own the schema: upgrade an EMPTY database, check constraints, downgrade, and re-run set-up.

Runs on a new SQLite file, or on a new PostgreSQL database when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable

from app import create_app
from app.extensions import db
from app.models._base import UNREFLECTED_WARNINGS, compared_by_autogenerate
from tests.conftest import PG_URL, _config_for, pg_database

# Tables the data model of SPEC §1 needs, plus FAB's security tables we rely on.
APP_TABLES = {
    "region", "practice_scope", "institution", "department", "qualification", "physician",
    "practice_registration", "registration_scope", "filing", "filing_scope", "application",
    "application_event", "assessment", "registration_window", "activation_code",
    "verification_code", "message",
}
FAB_TABLES = {"ab_user", "ab_role", "ab_user_role", "ab_permission", "ab_view_menu",
              "ab_permission_view", "ab_permission_view_role"}


@pytest.fixture
def empty_uri(tmp_path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a new PostgreSQL database."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with pg_database("registry_m") as url:
        yield url


@pytest.fixture
def fresh_app(empty_uri) -> Iterator[Flask]:
    """An app bound to the empty database (nothing migrated yet)."""
    application = create_app(_config_for(empty_uri))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def flask(app: Flask, *args: str) -> str:
    """Run a `flask` command through the app's CLI runner, assert success, return its output."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def table_names(app: Flask) -> set[str]:
    """Return the tables that exist in the app's database."""
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def row_counts(app: Flask) -> dict[str, int]:
    """Count the rows of every table of the data model."""
    with app.app_context():
        return {
            name: db.session.scalar(select(func.count()).select_from(table))
            for name, table in db.metadata.tables.items()
        }


def schema_diff(app: Flask) -> list:
    """Return what autogenerate would put into a new migration (empty when models match)."""
    with app.app_context(), db.engine.connect() as conn, warnings.catch_warnings():
        for message in UNREFLECTED_WARNINGS:  # the expression indexes: tests/test_queue_order.py
            warnings.filterwarnings("ignore", message)
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": compared_by_autogenerate})
        return compare_metadata(context, db.metadata)


def test_upgrade_creates_every_table_and_downgrade_removes_them(fresh_app):
    assert table_names(fresh_app) == set()

    flask(fresh_app, "db", "upgrade")
    tables = table_names(fresh_app)
    assert APP_TABLES | FAB_TABLES | {"alembic_version"} <= tables
    with fresh_app.app_context():
        assert set(db.metadata.tables) <= tables  # every model has its table from a migration

    flask(fresh_app, "db", "downgrade", "base")
    assert table_names(fresh_app) - {"alembic_version"} == set()

    flask(fresh_app, "db", "upgrade")
    assert APP_TABLES | FAB_TABLES <= table_names(fresh_app)


def test_models_and_migrations_agree(fresh_app):
    flask(fresh_app, "db", "upgrade")
    result = fresh_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, f"a migration is missing: {schema_diff(fresh_app)}"
    assert schema_diff(fresh_app) == []


def _rejected(statement_or_row) -> None:
    """Assert the database refuses a row (ORM object) or a statement, then roll back."""
    with pytest.raises(IntegrityError):
        if isinstance(statement_or_row, Executable):
            db.session.execute(statement_or_row)
        else:
            db.session.add(statement_or_row)
        db.session.flush()
    db.session.rollback()


def test_migrated_constraints_reject_bad_rows(fresh_app):
    from app.models import (
        Application,
        Institution,
        Physician,
        PracticeRegistration,
        Qualification,
        Region,
    )

    flask(fresh_app, "db", "upgrade")
    today = dt.date(2025, 1, 1)

    def qualification(cert: str) -> Qualification:
        return Qualification(
            certificate_no=cert, name="张明", id_number="110105199003121011", level="physician",
            category="clinical", province_code="110000", exam_year=2020, published_on=today,
        )

    def application(number: str, status: str, registration_id: int) -> Application:
        return Application(
            number=number, type="change", status=status, physician_id=physician.id,
            registration_id=registration_id, institution_id=hospital.id, region_code="110105",
            data={},
        )

    with fresh_app.app_context():
        db.session.add_all([
            Region(code="110000", name="北京市", level="province"),
            Region(code="110105", name="朝阳区", level="county", parent_code="110000"),
        ])
        hospital = Institution(name="示范医院", license_no="PDY00001011010511A1001", region_code="110105")
        physician = Physician(name="张明", id_type="resident", id_number="110105199003121011")
        db.session.add_all([hospital, physician, qualification("2" * 27)])
        db.session.flush()
        registration = PracticeRegistration(
            physician_id=physician.id, certificate_no="110110105000001", level="physician",
            category="clinical", location_code="110000", institution_id=hospital.id,
            region_code="110105", registered_on=today,
        )
        db.session.add(registration)
        db.session.flush()
        db.session.add(application("A0001", "submitted", registration.id))
        db.session.commit()

        # One physician per ID number, unique certificate numbers.
        _rejected(Physician(name="张明二", id_type="resident", id_number="110105199003121011"))
        _rejected(qualification("2" * 27))
        _rejected(Institution(name="另一医院", license_no="PDY00001011010511A1001", region_code="110105"))
        # A CHECK constraint refuses a status outside the enumeration.
        _rejected(update(Application).where(Application.number == "A0001").values(status="bogus"))
        _rejected(update(Physician).values(status="bogus"))
        # The partial unique index: a second OPEN application for the registration is refused...
        _rejected(application("A0002", "draft", registration.id))
        # ...but closed ones are not, and once the open one closes a new one may start.
        db.session.add(application("A0003", "approved", registration.id))
        db.session.add(application("A0004", "withdrawn", registration.id))
        db.session.commit()
        db.session.execute(update(Application).where(Application.number == "A0001").values(status="refused"))
        db.session.add(application("A0005", "draft", registration.id))
        db.session.commit()
        open_count = db.session.scalar(
            select(func.count()).select_from(Application).where(Application.status == "draft")
        )
        assert open_count == 1


def test_init_is_idempotent(fresh_app):
    flask(fresh_app, "db", "upgrade")
    first = flask(fresh_app, "init")
    counts = row_counts(fresh_app)
    assert counts["region"] > 0 and counts["practice_scope"] > 0
    assert counts["ab_role"] >= 4 and counts["ab_permission_view_role"] > 0

    second = flask(fresh_app, "init")
    assert row_counts(fresh_app) == counts
    assert "行政区划：新增 0 条，更新 0 条" in second  # the operator reads Chinese too
    assert "执业范围：新增 0 条" in second
    roles_line = [line for line in first.splitlines() if line.startswith("角色 ")]
    assert len(roles_line) >= 4 and roles_line == [line for line in second.splitlines() if line.startswith("角色 ")]
    with fresh_app.app_context():
        duplicates = db.session.execute(
            text("SELECT code FROM region GROUP BY code HAVING count(*) > 1")
        ).all()
        assert duplicates == []


def test_seed_demo_runs_once(fresh_app):
    flask(fresh_app, "db", "upgrade")
    flask(fresh_app, "init")
    flask(fresh_app, "seed-demo")
    counts = row_counts(fresh_app)
    assert counts["institution"] >= 3 and counts["physician"] > 0 and counts["ab_user"] >= 5

    second = flask(fresh_app, "seed-demo")
    assert "未写入演示数据" in second
    assert row_counts(fresh_app) == counts
