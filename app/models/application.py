"""Business applications (业务申请) and their append-only event log."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import OPEN_APPLICATION_STATUSES, ApplicationStatus, ApplicationType

from ._base import enum_check, enum_column, utcnow
from .institution import Institution
from .physician import Physician, PracticeRegistration

_OPEN = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_APPLICATION_STATUSES))
# the statuses in which the commission holds an application against a deadline (受理, then 作出决定)
WAITING_STATUSES = (ApplicationStatus.PENDING_ACCEPTANCE.value, ApplicationStatus.ACCEPTED.value)
_WAITING = "status IN ({})".format(", ".join(f"'{status}'" for status in WAITING_STATUSES))
# The deadline an open application runs against: 作出决定 once accepted, 受理 before. The queues sort by
# waiting_due() and ix_application_waiting indexes the same expression (the literal inline, not a bound
# parameter, or no database would match the two); tests/test_queue_order.py reads the plan.
WAITING_DUE = f"CASE WHEN status = '{ApplicationStatus.ACCEPTED.value}' THEN decide_due ELSE accept_due END"


def waiting_due():
    """Return WAITING_DUE as a column expression of Application (qualified, for statements with joins)."""
    return case((Application.status == literal_column(f"'{ApplicationStatus.ACCEPTED.value}'"), Application.decide_due),
                else_=Application.accept_due)


def overdue_by_status(today: dt.date) -> tuple:
    """Return the overdue rule, one condition per waiting status: 待受理 past its acceptance deadline,
    已受理 past its decision deadline. Counts use these (each is served by its own deadline index
    alone; PostgreSQL cannot count from the expression index without reading the table)."""
    return (
        and_(Application.status == ApplicationStatus.PENDING_ACCEPTANCE.value, Application.accept_due < today),
        and_(Application.status == ApplicationStatus.ACCEPTED.value, Application.decide_due < today),
    )


def overdue_clause(today: dt.date):
    """Return the same rule as one condition on the running deadline, to read overdue rows in deadline
    order from ix_application_waiting (the dashboard's list, the daily digest)."""
    return and_(Application.status.in_(WAITING_STATUSES), waiting_due() < today)


class Application(Model):
    """业务申请: what the physician asks for, where it stands, and who decided."""

    __tablename__ = "application"
    __table_args__ = (
        enum_check(ApplicationType, "type"),
        enum_check(ApplicationStatus, "status"),
        # At most one open application per registration, and one open first registration each.
        Index(
            "uq_application_open_per_registration",
            "registration_id",
            unique=True,
            sqlite_where=text(_OPEN),
            postgresql_where=text(_OPEN),
        ),
        Index(
            "uq_application_open_first",
            "physician_id",
            unique=True,
            sqlite_where=text(f"type = 'first' AND {_OPEN}"),
            postgresql_where=text(f"type = 'first' AND {_OPEN}"),
        ),
        Index("ix_application_region", "region_code", "status", "id"),
        Index("ix_application_institution", "institution_id", "status", "id"),
        Index("ix_application_physician", "physician_id", "id"),
        Index("ix_application_status", "status", "id"),
        # the lists behind the dashboard's numbers, the latest submitted first (app/reports/rows.py)
        Index("ix_application_submitted", "submitted_at", "id"),
        # the overdue count: each waiting status by its own deadline, counted from the index alone
        # (PostgreSQL reads no expression index without its table) (app/reports/dashboard.py)
        Index("ix_application_accept_due", "accept_due", "id", sqlite_where=text("status = 'pending_acceptance'"),
              postgresql_where=text("status = 'pending_acceptance'")),
        Index("ix_application_decide_due", "decide_due", "id", sqlite_where=text("status = 'accepted'"),
              postgresql_where=text("status = 'accepted'")),
        # the commission's queue (待受理 and 已受理) and everything overdue (overdue_clause), nearest
        # deadline first, read in order: only those rows, so a deep page walks the index without filtering
        Index("ix_application_waiting", text(f"({WAITING_DUE})"), "submitted_at", "id",
              sqlite_where=text(_WAITING), postgresql_where=text(_WAITING)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    type: Mapped[str] = enum_column(ApplicationType, nullable=False)
    status: Mapped[str] = enum_column(
        ApplicationStatus, nullable=False, default=ApplicationStatus.DRAFT
    )
    physician_id: Mapped[int] = mapped_column(ForeignKey("physician.id"), nullable=False)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("practice_registration.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    institution_opinion: Mapped[str | None] = mapped_column(Text)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    accept_due: Mapped[dt.date | None] = mapped_column(Date)
    decide_due: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    physician: Mapped[Physician] = relationship()
    registration: Mapped[PracticeRegistration | None] = relationship()
    institution: Mapped[Institution] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return self.number


class ApplicationEvent(Model):
    """One transition of an application: who moved it from where to where, and why."""

    __tablename__ = "application_event"
    # the audit log pages the newest (or oldest) events of a range first, one index walk per page
    __table_args__ = (Index("ix_application_event_time", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id"), nullable=False, index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24), nullable=False)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    application: Mapped[Application] = relationship(back_populates="events")
    actor = relationship("RegistryUser", foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"
