"""What the public may read of the register, and the exact-match queries that read it.

Matching is by equality only (no LIKE on a name, so ``%`` and ``_`` are plain characters), on the
province, the physician's full name and the institution's full name; a registration matches when
that institution is its primary institution or holds an active filing of it. Only the fields of
``PublicRegistration`` leave this module: never an ID number, phone, e-mail or birth date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.domain.enums import Category, FilingStatus, PracticeLevel, RegionLevel, RegistrationStatus
from app.domain.regions import jurisdiction_bounds
from app.labels import label_of
from app.models import Filing, Institution, Physician, PracticeRegistration, Region

MAX_RESULTS = 20  # namesakes at one institution: more than this is not a lookup any more
MAX_SUGGESTIONS = 20
# GB/T 2260 placeholder names of a prefecture level, left out of a written location
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位"})


@dataclass(frozen=True)
class LookupQuery:
    """The three exact terms of a lookup: a province code, a full name, an institution's full name."""

    province: str
    name: str
    institution: str


@dataclass(frozen=True)
class PublicFiling:
    """An active multi-site filing as the public sees it."""

    institution: str
    valid_from: dt.date
    valid_to: dt.date
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class PublicRegistration:
    """Everything the public may read of one practice registration, and nothing more."""

    name: str
    level: str
    category: str
    scopes: tuple[str, ...]
    location: str
    institution: str
    filings: tuple[PublicFiling, ...]
    certificate_no: str
    status: str
    suspended_until: dt.date | None

    @property
    def level_label(self) -> str:
        """Return 执业医师 / 执业助理医师."""
        return label_of(PracticeLevel, self.level)

    @property
    def category_label(self) -> str:
        """Return 临床 / 口腔 / 公共卫生 / 中医."""
        return label_of(Category, self.category)

    @property
    def status_label(self) -> str:
        """Return the status in words: 有效, 暂停执业至 2027-02-28, 已注销."""
        if self.status == RegistrationStatus.SUSPENDED and self.suspended_until:
            return _("Practice suspended until %(date)s", date=self.suspended_until.isoformat())
        return label_of(RegistrationStatus, self.status)


def provinces(session: Session) -> list[Region]:
    """Return the provinces in code order (the choices of the lookup form)."""
    return list(session.scalars(
        select(Region).where(Region.level == RegionLevel.PROVINCE, Region.active.is_(True)).order_by(Region.code)
    ))


def is_province(session: Session, code: str) -> bool:
    """Tell whether ``code`` is a province of the reference data."""
    region = session.get(Region, code) if len(code) == 6 and code.isdigit() else None
    return region is not None and region.level == RegionLevel.PROVINCE


def _in_province(province: str):
    low, high = jurisdiction_bounds(province) or ("000000", "999999")
    return Institution.region_code.between(low, high)


def institutions_named(session: Session, province: str, name: str) -> list[int]:
    """Return the ids of the institutions of exactly this name in the province."""
    return list(session.scalars(select(Institution.id).where(Institution.name == name, _in_province(province))))


def institution_suggestions(session: Session, province: str, text: str) -> list[str]:
    """Return up to 20 names of institutions in the province containing ``text`` (wildcards escaped)."""
    text = text.strip()[:64]
    if not text:
        return []
    return list(session.scalars(
        select(Institution.name).where(_in_province(province), Institution.name.contains(text, autoescape=True))
        .distinct().order_by(Institution.name).limit(MAX_SUGGESTIONS)
    ))


def location_text(region: Region | None) -> str:
    """Write a region with its parents: 北京市朝阳区 (placeholders such as 市辖区 left out)."""
    names = []
    while region is not None and len(names) < 3:
        if region.name not in PLACEHOLDERS:
            names.append(region.name)
        region = region.parent
    return "".join(reversed(names))


def _filing(filing: Filing) -> PublicFiling:
    return PublicFiling(filing.institution.name, filing.valid_from, filing.valid_to,
                        _scope_names(filing.scopes))


def _scope_names(scopes) -> tuple[str, ...]:
    return tuple(scope.name for scope in sorted(scopes, key=lambda s: (s.sort_order, s.code)))


def find_registrations(session: Session, query: LookupQuery, institution_ids: list[int],
                       today: dt.date) -> list[PublicRegistration]:
    """Return the registrations of physicians of exactly ``query.name`` at one of the institutions."""
    if not institution_ids:
        return []

    def active(filing):  # in force today (the register keeps ended filings too)
        return filing.status == FilingStatus.ACTIVE and filing.valid_from <= today <= filing.valid_to

    filed_here = select(Filing.registration_id).where(
        Filing.institution_id.in_(institution_ids), Filing.status == FilingStatus.ACTIVE,
        Filing.valid_from <= today, Filing.valid_to >= today,
    )
    rows = session.execute(
        select(PracticeRegistration, Physician.name)
        .join(Physician, Physician.id == PracticeRegistration.physician_id)
        .where(Physician.name == query.name,
               or_(PracticeRegistration.institution_id.in_(institution_ids), PracticeRegistration.id.in_(filed_here)))
        .options(joinedload(PracticeRegistration.institution),
                 joinedload(PracticeRegistration.location).joinedload(Region.parent).joinedload(Region.parent),
                 selectinload(PracticeRegistration.scopes),
                 selectinload(PracticeRegistration.filings).joinedload(Filing.institution),
                 selectinload(PracticeRegistration.filings).selectinload(Filing.scopes))
        .order_by(PracticeRegistration.id).limit(MAX_RESULTS)
    ).all()
    return [
        PublicRegistration(
            name=name, level=registration.level, category=registration.category,
            scopes=_scope_names(registration.scopes), location=location_text(registration.location),
            institution=registration.institution.name,
            filings=tuple(_filing(f) for f in sorted(registration.filings, key=lambda f: f.valid_from) if active(f)),
            certificate_no=registration.certificate_no, status=registration.status,
            suspended_until=registration.suspended_until,
        )
        for registration, name in rows
    ]
