"""激活队列: accounts waiting for the institution's activation code (SPEC §2 step 4, issue 3 point 3)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash, g, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from app.accounts.activation import issue_activation_codes, revoke_activation_codes
from app.accounts.errors import AccountError
from app.domain.enums import AccountStatus, Category, Channel, PracticeLevel
from app.domain.masking import mask_email, mask_phone
from app.extensions import db
from app.labels import COLUMN_LABELS, format_time, label_of
from app.models import ActivationCode, Physician, Qualification
from app.models._base import utcnow
from app.security.roles import ADMIN
from app.security.scope import SCOPE_FILTER, current_scope
from app.views.base import ScopedModelView
from app.views.filters import FilterIdNumber, FilterPrefix

# Columns computed for a whole page at once (see QueueInterface), not attributes of Physician.
QUALIFICATION, CHANNELS, CODE = "qualification", "verified_channels", "activation_code"
VIRTUAL = (QUALIFICATION, CHANNELS, CODE)


class WaitingForOwnInstitution(BaseFilter):
    """Keep verified accounts that chose the admin's own institution (filed physicians are not waiting)."""

    name = "waiting"

    def apply(self, query, value):
        """Limit the query to accounts this institution has to activate."""
        query = query.filter(Physician.status == AccountStatus.VERIFIED)
        scope = current_scope()
        if scope.role == ADMIN:
            return query
        if scope.institution_id is None:
            return query.filter(false())
        return query.filter(Physician.institution_id == scope.institution_id)


def queue_details(physician_ids: list[int]) -> dict[int, tuple]:
    """Return, per physician, the latest qualification and the open activation code, in one statement."""
    if not physician_ids:
        return {}
    latest_qualification = (
        select(Qualification.id)
        .where(Qualification.id_number == Physician.id_number, Qualification.id_type == Physician.id_type)
        .order_by(Qualification.exam_year.desc(), Qualification.id.desc())
        .limit(1)
        .correlate(Physician)
        .scalar_subquery()
    )
    open_code = (
        select(ActivationCode.id)
        .where(
            ActivationCode.physician_id == Physician.id,
            ActivationCode.institution_id == Physician.institution_id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .order_by(ActivationCode.issued_at.desc(), ActivationCode.id.desc())
        .limit(1)
        .correlate(Physician)
        .scalar_subquery()
    )
    statement = (
        select(
            Physician.id, Qualification.level, Qualification.category,
            ActivationCode.channel, ActivationCode.issued_at, ActivationCode.expires_at,
        )
        .select_from(Physician)
        .outerjoin(Qualification, Qualification.id == latest_qualification)
        .outerjoin(ActivationCode, ActivationCode.id == open_code)
        .where(Physician.id.in_(physician_ids))
    )
    return {row[0]: tuple(row[1:]) for row in db.session.execute(statement)}


def _qualification_text(level: str | None, category: str | None) -> str:
    if level is None:
        return _("No qualification record found")
    return f"{label_of(PracticeLevel, level)} · {label_of(Category, category)}"


def _channels_text(physician: Physician) -> str:
    parts = []
    if physician.phone_verified and physician.phone:
        parts.append(_("Mobile %(value)s", value=mask_phone(physician.phone)))
    if physician.email_verified and physician.email:
        parts.append(_("E-mail %(value)s", value=mask_email(physician.email)))
    return "; ".join(parts) or _("None")


def _code_text(channel: str | None, issued_at, expires_at) -> str:
    if channel is None:
        return _("Not issued")
    if expires_at <= utcnow():
        return _("Expired at %(time)s", time=format_time(expires_at))
    how = _("SMS") if channel == Channel.SMS else _("E-mail")
    return _(
        "Sent by %(channel)s at %(issued)s, valid until %(expires)s",
        channel=how, issued=format_time(issued_at), expires=format_time(expires_at),
    )


class QueueInterface(SQLAInterface):
    """SQLAInterface filling the computed queue columns for a whole page with one extra statement."""

    def _virtual(self, items: list[Physician]) -> dict[int, dict[str, str]]:
        details = queue_details([item.id for item in items])
        empty = (None,) * 5
        result = {}
        for item in items:
            level, category, channel, issued_at, expires_at = details.get(item.id, empty)
            result[item.id] = {
                QUALIFICATION: _qualification_text(level, category),
                CHANNELS: _channels_text(item),
                CODE: _code_text(channel, issued_at, expires_at),
            }
        return result

    def get_values(self, lst, list_columns):
        """Return the row dicts of a list page, computed columns included."""
        items = list(lst)
        virtual = self._virtual(items)
        real = [c for c in list_columns if c not in VIRTUAL]
        for item, values in zip(items, super().get_values(items, real), strict=True):
            values.update({c: virtual[item.id][c] for c in list_columns if c in VIRTUAL})
            yield values

    def get_values_item(self, item, show_columns):
        """Return the values of the show page, computed columns included."""
        virtual = self._virtual([item])[item.id]
        return [virtual[c] if c in VIRTUAL else self._get_attr_value(item, c) for c in show_columns]


def _as_list(items) -> list[Physician]:
    return items if isinstance(items, list) else [items]


class ActivationQueueView(ScopedModelView):
    """Accounts waiting for this institution's activation: issue, re-issue and revoke codes."""

    datamodel = QueueInterface(Physician)
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = SCOPE_FILTER + [["id", WaitingForOwnInstitution, lambda: None]]
    base_order = ("verified_at", "asc")
    list_template = "activation/queue_list.html"
    list_title = _l("Accounts waiting for activation")
    show_title = _l("Account waiting for activation")
    list_description = _l(
        "Physicians who chose this institution and verified their mobile or e-mail wait here for an "
        "activation code. With Automatic activation switched on in the institution profile, new "
        "verifications are activated at once and no code is needed."
    )
    list_columns = ["name", "id_number_masked", QUALIFICATION, CHANNELS, "verified_at", CODE]
    show_columns = ["name", "id_number_masked", "gender", QUALIFICATION, CHANNELS, "created_at", "verified_at", CODE]
    order_columns = ["name", "verified_at"]
    search_columns = ["name", "id_number"]
    search_filters_override = {"name": [FilterPrefix, FilterEqual], "id_number": [FilterIdNumber]}
    label_columns = {
        **COLUMN_LABELS,
        "name": _l("Full name"),
        QUALIFICATION: _l("Qualification"),
        CHANNELS: _l("Verified contacts"),
        "verified_at": _l("Waiting since"),
        CODE: _l("Activation code"),
    }

    def render_template(self, template, **kwargs):
        """Render the queue with its note on automatic activation."""
        if template == self.list_template:
            kwargs.setdefault("queue_note", self.list_description)
        return super().render_template(template, **kwargs)

    @action("issue_sms", _l("Send activation code (SMS)"), _l("Send an activation code by SMS?"), "fa-mobile")
    def issue_sms(self, items):
        """Issue activation codes to the verified mobile numbers."""
        return self._issue(_as_list(items), Channel.SMS)

    @action("issue_email", _l("Send activation code (e-mail)"), _l("Send an activation code by e-mail?"), "fa-envelope")
    def issue_email(self, items):
        """Issue activation codes to the verified e-mail addresses."""
        return self._issue(_as_list(items), Channel.EMAIL)

    @action("revoke", _l("Revoke activation code"), _l("Revoke the open activation codes?"), "fa-ban")
    def revoke(self, items):
        """Revoke the open activation codes of the selected accounts."""
        physicians = _as_list(items)
        if not self._selected(physicians):
            return redirect(self.get_redirect())
        try:
            count = revoke_activation_codes(current_scope().institution_id, _ids(physicians), actor_id=g.user.id)
        except AccountError as refused:
            return self._refused(refused)
        if count:
            flash(_("%(count)d activation code(s) revoked.", count=count), "success")
        else:
            flash(_("There was no open activation code to revoke."), "info")
        return redirect(self.get_redirect())

    def _issue(self, physicians: list[Physician], channel: str):
        if not self._selected(physicians):
            return redirect(self.get_redirect())
        try:
            issued = issue_activation_codes(
                current_scope().institution_id, _ids(physicians), channel, issued_by_id=g.user.id, ip=request.remote_addr
            )
        except AccountError as refused:
            return self._refused(refused)
        flash(_("%(count)d activation code(s) sent.", count=len(issued)), "success")
        return redirect(self.get_redirect())

    def _selected(self, physicians: list[Physician]) -> bool:
        if not physicians:
            flash(_("Please select at least one account."), "warning")
        return bool(physicians)

    def _refused(self, refused: AccountError):
        # The command has already rolled back whatever it staged: all or nothing.
        flash(refused.message, "danger")
        return redirect(self.get_redirect())


def _ids(physicians: Iterable[Physician]) -> list[int]:
    return [physician.id for physician in physicians]
