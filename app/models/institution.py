"""Medical institutions (医疗机构) and their departments (科室)."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._base import utcnow
from .reference import Region


class Institution(Model):
    """医疗机构 with its 执业许可证登记号 and the county it lies in."""

    __tablename__ = "institution"
    __table_args__ = (Index("ix_institution_region", "region_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    license_no: Mapped[str] = mapped_column(String(22), nullable=False, unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), nullable=False)
    kind: Mapped[str | None] = mapped_column(String(32))  # 综合医院, 专科医院, 社区卫生服务中心…
    grade: Mapped[str | None] = mapped_column(String(16))  # 三级甲等…
    address: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32))
    auto_activate: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_military: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    region: Mapped[Region] = relationship()
    departments: Mapped[list[Department]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", order_by="Department.name"
    )

    def __repr__(self) -> str:
        return self.name


class Department(Model):
    """科室 of one institution."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("institution_id", "name", name="uq_department_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    institution: Mapped[Institution] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return self.name
