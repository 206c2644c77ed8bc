"""Reference data: administrative regions and the practice category / scope dictionary."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Category, RegionLevel

from ._base import enum_check, enum_column


class Region(Model):
    """行政区划 (GB/T 2260): a province, prefecture or county, keyed by its 6-digit code."""

    __tablename__ = "region"
    __table_args__ = (enum_check(RegionLevel, "level"), Index("ix_region_parent", "parent_code"))

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    level: Mapped[str] = enum_column(RegionLevel, nullable=False)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    parent: Mapped[Region | None] = relationship(remote_side=[code])

    def __repr__(self) -> str:
        return self.name


class PracticeScope(Model):
    """执业范围 of a category; national ones have no province, provincial extras name one."""

    __tablename__ = "practice_scope"
    __table_args__ = (
        enum_check(Category, "category"),
        UniqueConstraint("category", "name", "province_code", name="uq_scope_name"),
        Index("ix_scope_category", "category", "sort_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = enum_column(Category, nullable=False)
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    province: Mapped[Region | None] = relationship()

    def __repr__(self) -> str:
        return self.name
