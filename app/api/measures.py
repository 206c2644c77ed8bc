"""/api/v1/registrations/: the commission's ex-officio cancellation (医师法 §17), the same command as the page.

Reviewers only (others: 403); a registration outside the jurisdiction is 404; every refusal is the
one error shape. The suspension of 暂停执业 follows a failed assessment entered on the screens.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_appbuilder.api import expose, protect, safe

from app.api.applications import BadBody, _actor, _body, _refusals
from app.api.base import RegistryApi
from app.domain.enums import RegistrationStatus
from app.labels import ENUM_LABELS
from app.models import PracticeRegistration
from app.workflow.measures import cancel_registration
from app.workflow.reasons import CANCELLATION_GROUNDS

TAG = "Registrations"


def registration_out(registration: PracticeRegistration) -> dict[str, Any]:
    """Return the JSON form of a registration after a measure."""
    return {
        "id": registration.id, "certificate_no": registration.certificate_no,
        "status": registration.status,
        "status_label": str(ENUM_LABELS[RegistrationStatus].get(registration.status, registration.status)),
        "suspended_until": registration.suspended_until.isoformat() if registration.suspended_until else None,
        "cancel_reason": registration.cancel_reason,
        "filings": [{"id": f.id, "institution_id": f.institution_id, "status": f.status,
                     "valid_to": f.valid_to.isoformat()} for f in registration.filings],
    }


class RegistrationMeasureApi(RegistryApi):
    """The reviewer's measures on a practice registration in the jurisdiction."""

    resource_name = "registrations"
    openapi_spec_tag = TAG
    class_permission_name = "RegistrationMeasureApi"
    method_permission_name = {"grounds": "read", "cancel": "write"}
    allow_browser_login = True

    @expose("/cancellation-grounds", methods=["GET"])
    @protect()
    @safe
    @_refusals
    def grounds(self) -> Response:
        """List the grounds of 医师法 §17 a cancellation is given with.
        ---
        get:
          summary: The cancellation grounds (key and Chinese label), in the law's order
          responses:
            200: {description: The grounds}
        """
        return self.response(200, result=[{"key": key, "label": str(label)} for key, label in CANCELLATION_GROUNDS.items()])

    @expose("/<int:registration_id>/cancel", methods=["POST"])
    @protect()
    @safe
    @_refusals
    def cancel(self, registration_id: int) -> Response:
        """Cancel a registration ex officio: {"grounds": ["death", …], "note": "…"}.
        ---
        post:
          summary: Cancel ex officio (医师法 §17); ends the filings, notifies the physician and the institutions
          parameters:
          - {in: path, name: registration_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [grounds]
                  properties:
                    grounds: {type: array, items: {type: string}, description: keys from /cancellation-grounds}
                    note: {type: string, maxLength: 200, description: the facts; required with "other"}
          responses:
            200: {description: The cancelled registration}
            400: {description: No ground, an unknown ground, or the explanation missing or too long}
            403: {description: Only commission reviewers take this measure}
            404: {description: Not found or outside the reviewer's jurisdiction}
            409: {description: The registration is already cancelled}
        """
        body = _body()
        grounds, note = body.get("grounds"), body.get("note")
        if not isinstance(grounds, list) or not all(isinstance(g, str) for g in grounds) or len(grounds) > 20:
            raise BadBody(["grounds"])
        if note is not None and not isinstance(note, str):
            raise BadBody(["note"])
        return self.response(200, **registration_out(cancel_registration(_actor(), registration_id, grounds, note)))
