"""Qualifications, physician profiles, practice registrations and multi-site filings."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import (
    AccountStatus,
    Category,
    FilingStatus,
    Gender,
    IdType,
    PracticeLevel,
    RegistrationStatus,
)
from app.domain.masking import mask_id_number, mask_phone

from ._base import enum_check, enum_column, utcnow
from .institution import Department, Institution
from .reference import PracticeScope, Region


class Qualification(Model):
    """医师资格, imported from exam results; 资格证书编码 is 27 digits."""

    __tablename__ = "qualification"
    __table_args__ = (
        enum_check(IdType, "id_type"),
        enum_check(PracticeLevel, "level"),
        enum_check(Category, "category"),
        Index("ix_qualification_person", "id_number", "name"),
        Index("ix_qualification_cohort", "province_code", "exam_year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(27), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_type: Mapped[str] = enum_column(IdType, nullable=False, default=IdType.RESIDENT)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    level: Mapped[str] = enum_column(PracticeLevel, nullable=False)
    category: Mapped[str] = enum_column(Category, nullable=False)
    province_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    exam_year: Mapped[int] = mapped_column(Integer, nullable=False)
    published_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    province: Mapped[Region] = relationship()

    @property
    def id_number_masked(self) -> str:
        """Return the ID number with its middle hidden."""
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return self.certificate_no


class Physician(Model):
    """医师 account profile, one per FAB user and one per ID number.

    ``institution_id`` is the institution that activates the physician (and, once registered,
    the primary institution); ``region_code`` copies that institution's county so jurisdiction
    lists filter on one indexed column.
    """

    __tablename__ = "physician"
    __table_args__ = (
        enum_check(IdType, "id_type"),
        enum_check(Gender, "gender"),
        enum_check(AccountStatus, "status"),
        Index("uq_physician_id_number", "id_number", "id_type", unique=True),
        Index("ix_physician_name_prefix", "name", postgresql_ops={"name": "text_pattern_ops"}),
        Index("ix_physician_region", "region_code", "id"),
        Index("ix_physician_institution", "institution_id", "status", "id"),

        Index("ix_physician_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_type: Mapped[str] = enum_column(IdType, nullable=False, default=IdType.RESIDENT)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    gender: Mapped[str | None] = enum_column(Gender)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(11), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[str] = enum_column(AccountStatus, nullable=False, default=AccountStatus.CREATED)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    photo: Mapped[str | None] = mapped_column(String(256))
    education: Mapped[str | None] = mapped_column(String(32))
    school: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # consent to the privacy notice at sign-up: when (UTC) and which version of the notice
    privacy_consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    privacy_notice_version: Mapped[str | None] = mapped_column(String(16))

    institution: Mapped[Institution | None] = relationship()
    region: Mapped[Region | None] = relationship()
    department: Mapped[Department | None] = relationship()
    user = relationship("RegistryUser", foreign_keys=[user_id])
    registrations: Mapped[list[PracticeRegistration]] = relationship(back_populates="physician")

    @property
    def id_number_masked(self) -> str:
        """Return the ID number with its middle hidden."""
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        """Return the mobile number with its middle hidden."""
        return mask_phone(self.phone)

    def __repr__(self) -> str:
        return self.name


registration_scope = Table(
    "registration_scope",
    Model.metadata,
    Column("registration_id", ForeignKey("practice_registration.id", ondelete="CASCADE"), primary_key=True),
    Column("scope_id", ForeignKey("practice_scope.id"), primary_key=True),
)

filing_scope = Table(
    "filing_scope",
    Model.metadata,
    Column("filing_id", ForeignKey("filing.id", ondelete="CASCADE"), primary_key=True),
    Column("scope_id", ForeignKey("practice_scope.id"), primary_key=True),
)


class PracticeRegistration(Model):
    """执业注册: the physician's right to practise at a location and a primary institution."""

    __tablename__ = "practice_registration"
    __table_args__ = (
        enum_check(PracticeLevel, "level"),
        enum_check(Category, "category"),
        enum_check(RegistrationStatus, "status"),
        CheckConstraint(
            "status <> 'suspended' OR suspended_until IS NOT NULL", name="suspension_has_end"
        ),
        Index("ix_registration_region", "region_code", "id"),
        Index("ix_registration_institution", "institution_id", "status"),
        Index("ix_registration_physician", "physician_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    physician_id: Mapped[int] = mapped_column(ForeignKey("physician.id"), nullable=False)
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("qualification.id"))
    certificate_no: Mapped[str] = mapped_column(String(15), nullable=False, unique=True)
    level: Mapped[str] = enum_column(PracticeLevel, nullable=False)
    category: Mapped[str] = enum_column(Category, nullable=False)
    location_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    status: Mapped[str] = enum_column(
        RegistrationStatus, nullable=False, default=RegistrationStatus.ACTIVE
    )
    suspended_until: Mapped[dt.date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(256))
    registered_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    physician: Mapped[Physician] = relationship(back_populates="registrations")
    qualification: Mapped[Qualification | None] = relationship()
    location: Mapped[Region] = relationship(foreign_keys=[location_code])
    institution: Mapped[Institution] = relationship()
    scopes: Mapped[list[PracticeScope]] = relationship(secondary=registration_scope)
    filings: Mapped[list[Filing]] = relationship(back_populates="registration")

    def __repr__(self) -> str:
        return self.certificate_no


class Filing(Model):
    """多机构备案: an extra institution in the same location, for a subset of the scopes."""

    __tablename__ = "filing"
    __table_args__ = (
        enum_check(FilingStatus, "status"),
        CheckConstraint("valid_from <= valid_to", name="filing_period_valid"),
        Index("ix_filing_institution", "institution_id", "status"),
        Index("ix_filing_registration", "registration_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("practice_registration.id"), nullable=False
    )
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = enum_column(FilingStatus, nullable=False, default=FilingStatus.ACTIVE)

    registration: Mapped[PracticeRegistration] = relationship(back_populates="filings")
    institution: Mapped[Institution] = relationship()
    scopes: Mapped[list[PracticeScope]] = relationship(secondary=filing_scope)

    def __repr__(self) -> str:
        return f"{self.registration_id}@{self.institution_id}"
