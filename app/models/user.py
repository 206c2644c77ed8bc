"""The FAB user, extended with the scope a staff account works in."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .institution import Institution


class RegistryUser(User):
    """A FAB user; institution admins belong to one institution, reviewers have a jurisdiction.

    ``jurisdiction_code`` is a region code; ``000000`` means national.
    """

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id"), nullable=True, index=True
    )
    jurisdiction_code: Mapped[str | None] = mapped_column(String(6), nullable=True)

    institution: Mapped[Institution | None] = relationship(foreign_keys=[institution_id])
