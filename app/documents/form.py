"""What the 申请审核表 says: the rows of each section, assembled from one application.

Kept apart from the drawing (app/documents/pdf.py) so the content can be read and tested as
plain data. Labels are translated for the reader's locale (Chinese by default).

The ID number is shown in full only to the physician (it is their own document) and to the
commission (SPEC §6: the commission's detail view); the institution's copy shows it masked,
as every other screen of the institution does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import ApplicationStatus, ApplicationType, Category, Gender, IdType, PracticeLevel
from app.domain.masking import mask_id_number
from app.labels import label_of, yes_no
from app.models import Application, Institution, PracticeScope, Qualification, Region
from app.security.roles import ADMIN, COMMISSION_REVIEWER, PHYSICIAN
from app.security.scope import Scope

FULL_ID_ROLES = frozenset({PHYSICIAN, COMMISSION_REVIEWER, ADMIN})

Rows = list[tuple[str, str]]


@dataclass
class FormContent:
    """The text of one printed form, section by section."""

    title: str
    number_line: Rows
    applicant: Rows
    request: Rows
    opinion: Rows
    decision: Rows
    headings: dict[str, str]
    qr_caption: str
    verification_url: str
    photo: bytes | None = None
    photo_placeholder: str = ""
    printed_at: str = ""

    def replace_characters(self, characters: set[str], placeholder: str) -> FormContent:
        """Return a copy in which each of ``characters`` is drawn as ``placeholder``."""
        table = str.maketrans({c: placeholder for c in characters})

        def rows(pairs: Rows) -> Rows:
            return [(k.translate(table), v.translate(table)) for k, v in pairs]

        return replace(
            self, title=self.title.translate(table), number_line=rows(self.number_line),
            applicant=rows(self.applicant), request=rows(self.request), opinion=rows(self.opinion),
            decision=rows(self.decision), headings={k: v.translate(table) for k, v in self.headings.items()},
        )

    def texts(self) -> list[str]:
        """Return every string drawn on the page (the font is cut to their characters)."""
        rows = self.number_line + self.applicant + self.request + self.opinion + self.decision
        return [
            self.title, self.qr_caption, self.verification_url, self.photo_placeholder, self.printed_at,
            *self.headings.values(), *(text for row in rows for text in row),
        ]


def _date(value: dt.date | None) -> str:
    return format_date(value, "yyyy-MM-dd") if value else ""


def _region_path(session: Session, code: str | None) -> str:
    """Return a region's name with its parents (广东省 东莞市)."""
    names = []
    while code:
        region = session.get(Region, code)
        if region is None:
            break
        names.append(region.name)
        code = region.parent_code
    return " ".join(reversed(names))


def _scope_names(session: Session, codes: list[str] | None) -> str:
    if not codes:
        return ""
    rows = session.execute(select(PracticeScope.code, PracticeScope.name).where(PracticeScope.code.in_(codes)))
    by_code = {code: name for code, name in rows}
    return "、".join(by_code.get(code, code) for code in codes)


def _institution_name(session: Session, institution_id) -> str:
    institution = session.get(Institution, int(institution_id)) if str(institution_id or "").isdigit() else None
    return institution.name if institution else ""


def _applicant(session: Session, application: Application, full_id: bool) -> Rows:
    physician = application.physician
    data = application.data or {}
    qualification = session.get(Qualification, data["qualification_id"]) if data.get("qualification_id") else None
    id_number = physician.id_number if full_id else mask_id_number(physician.id_number)
    rows = [
        (_("Full name"), physician.name),
        (_("Gender"), label_of(Gender, physician.gender)),
        (_("Date of birth"), _date(physician.birth_date)),
        (_("ID type"), label_of(IdType, physician.id_type)),
        (_("ID number"), id_number),
    ]
    if qualification is not None:
        certificate = qualification.certificate_no
        if not full_id and physician.id_number and certificate.endswith(physician.id_number):
            # The 27-character qualification number ends with the ID number: mask that part too.
            certificate = certificate[: -len(physician.id_number)] + id_number
        rows += [
            (_("Qualification certificate number"), certificate),
            (_("Qualification"), f"{label_of(PracticeLevel, qualification.level)} · "
                                 f"{label_of(Category, qualification.category)}"),
        ]
    return rows


def _request(session: Session, application: Application) -> Rows:
    data = application.data or {}
    rows = [(_("Application type"), label_of(ApplicationType, application.type))]
    if data.get("location_code"):
        rows.append((_("Practice location"), _region_path(session, data["location_code"])))
    institution_label = _("Filing institution") if application.type == ApplicationType.FILING_ADD else _("Primary institution")
    rows.append((institution_label, _institution_name(session, data.get("institution_id") or application.institution_id)))
    if data.get("scope_codes"):
        rows.append((_("Practice scopes"), _scope_names(session, data["scope_codes"])))
    if data.get("title"):
        rows.append((_("Professional title"), str(data["title"])))
    if "residency_training" in data:
        rows.append((_("Standardised residency training"), yes_no(bool(data["residency_training"]))))
    training = data.get("training") or {}
    if training:
        period = f"{training.get('started_on') or ''} – {training.get('ended_on') or ''}"
        rows += [
            (_("Training institution"), str(training.get("institution") or "")),
            (_("Training period"), period),
            (_("Assessment passed on"), str(training.get("assessed_on") or "")),
        ]
    if data.get("valid_from") or data.get("valid_to"):
        rows.append((_("Filing period"), f"{data.get('valid_from') or ''} – {data.get('valid_to') or ''}"))
    if data.get("reason"):
        rows.append((_("Reason"), str(data["reason"])))
    return rows


def build_form(session: Session, application: Application, viewer: Scope, verification_url: str,
               photo: bytes | None) -> FormContent:
    """Assemble the text of an application's 申请审核表 as ``viewer`` may read it."""
    not_yet = _("(not yet given)")
    return FormContent(
        title=_("Physician practice registration application and review form"),
        number_line=[
            (_("Application number"), application.number),
            (_("Status"), label_of(ApplicationStatus, application.status)),
            (_("Submitted at"), format_datetime(application.submitted_at, "yyyy-MM-dd HH:mm")
             if application.submitted_at else not_yet),
        ],
        headings={
            "applicant": _("1. Applicant"),
            "request": _("2. What is applied for"),
            "opinion": _("3. Opinion of the practice institution"),
            "decision": _("4. Review by the health commission"),
        },
        applicant=_applicant(session, application, viewer.role in FULL_ID_ROLES),
        request=_request(session, application),
        opinion=[
            (_("Institution opinion"), application.institution_opinion or not_yet),
            (_("Confirmed at"), format_datetime(application.confirmed_at, "yyyy-MM-dd HH:mm")
             if application.confirmed_at else not_yet),
        ],
        decision=[
            (_("Decision"), application.decision_comment
             or (label_of(ApplicationStatus, application.status) if application.decided_at else not_yet)),
            (_("Decided at"), format_datetime(application.decided_at, "yyyy-MM-dd HH:mm")
             if application.decided_at else not_yet),
        ],
        qr_caption=_("Scan the code to check this form online"),
        verification_url=verification_url,
        photo=photo,
        photo_placeholder=_("No photo"),
        printed_at=_("Printed at %(time)s", time=format_datetime(dt.datetime.now(dt.UTC), "yyyy-MM-dd HH:mm")),
    )
