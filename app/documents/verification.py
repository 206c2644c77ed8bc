"""The public check behind a form's QR code: a signed token, and the little it may reveal.

The token signs the application's id and number with SECRET_KEY (its own salt, no expiry: a
printed form stays checkable for as long as the application exists). Changing one character
of it, or signing with another key, makes it worthless. The page shows the number, the type,
the status and the masked name, nothing more (SPEC §7).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.enums import ApplicationStatus, ApplicationType
from app.labels import label_of
from app.models import Application, Physician

SALT = "application-form-verification"

# Two-character surnames keep both characters visible (欧阳娜娜 → 欧阳**).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 钟离 独孤 南宫 "
    "西门 端木 百里 呼延 澹台 公冶 太史 申屠 闻人 濮阳 万俟 赫连 东郭 拓跋 第五 公羊 淳于 单于 "
    "仲孙 叔孙 左丘 谷梁 宰父 乐正 梁丘 公良 鲜于 羊舌 微生 漆雕 壤驷 颛孙 巫马 亓官 司寇 子车".split()
)


def mask_name(name: str | None) -> str:
    """Keep the surname and hide the given name (张明 → 张*, 欧阳娜娜 → 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    shown = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:shown] + "*" * (len(name) - shown)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(application: Application) -> str:
    """Return the signed token naming one application."""
    return _serializer().dumps([application.id, application.number])


def verification_url(application: Application) -> str:
    """Return the absolute address of the application's public check (printed in the QR code)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    token = make_token(application)
    if base:
        return base + url_for("VerificationView.verify", token=token)
    return url_for("VerificationView.verify", token=token, _external=True)


@dataclass(frozen=True)
class VerifiedApplication:
    """What the public page may show of an application."""

    number: str
    type_label: str
    status_label: str
    masked_name: str


def verify_token(session: Session, token: str) -> VerifiedApplication | None:
    """Return what the public may see of the application a token names, or None if it is not genuine."""
    try:
        payload = _serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None
    application_id, number = payload
    row = session.execute(
        select(Application.number, Application.type, Application.status, Physician.name)
        .join(Physician, Physician.id == Application.physician_id)
        .where(Application.id == application_id)
    ).one_or_none()
    if row is None or row.number != number:
        return None
    return VerifiedApplication(
        number=row.number,
        type_label=label_of(ApplicationType, row.type),
        status_label=label_of(ApplicationStatus, row.status),
        masked_name=mask_name(row.name),
    )
