"""GET /api/v1/account/window: the physician's window, eligibility and one next step (as on 个人中心)."""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, protect, safe
from marshmallow import Schema, fields

from app.api.account import current_physician
from app.api.account_common import AccountBaseApi, refusals
from app.api.account_schemas import SCHEMAS
from app.domain.clock import today_in_beijing
from app.domain.windows import WindowState
from app.extensions import db
from app.window.mine import MISSING, NEXT_STEPS, my_window


class WindowOut(Schema):
    opens_on = fields.Date()
    closes_on = fields.Date()
    state = fields.String(metadata={"enum": [s.value for s in WindowState]})
    working_days_left = fields.Integer(allow_none=True, metadata={
        "description": "working days on which a first registration can still be filed, today included; "
                       "null when the working-day calendar of a year is not entered (see calendar_year_missing)"})
    calendar_year_missing = fields.Integer(allow_none=True)


class CodeMessage(Schema):
    code = fields.String(metadata={"enum": list(MISSING)})
    message = fields.String(metadata={"description": "Chinese text for people"})


class NextStep(Schema):
    code = fields.String(metadata={"enum": list(NEXT_STEPS)})
    message = fields.String()
    application_id = fields.Integer(allow_none=True)
    application_number = fields.String(allow_none=True)


class MyWindowOut(Schema):
    cohort_year = fields.Integer(allow_none=True, metadata={"description": "exam year of the newest qualification"})
    province_code = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    window = fields.Nested(WindowOut, allow_none=True, metadata={"description": "null: not published yet"})
    accounts_open_on = fields.Date(allow_none=True)
    account_created_on = fields.Date(allow_none=True)
    activated_on = fields.Date(allow_none=True)
    qualified_on = fields.Date(allow_none=True)
    files_any_time = fields.Boolean(metadata={
        "description": "true: an earlier cohort than the province's newest window, so it may file at any time"})
    two_year_rule = fields.Boolean(metadata={"description": "true: training proof and a passed assessment are required"})
    two_year_rule_from = fields.Date(allow_none=True)
    missing = fields.List(fields.Nested(CodeMessage))
    next_step = fields.Nested(NextStep)


class MyWindowApi(AccountBaseApi):
    """The physician's own registration window (same permission as the rest of the own account)."""

    class_permission_name = "AccountApi"
    method_permission_name = {"window": "self_service"}
    openapi_spec_component_schemas = (*SCHEMAS, MyWindowOut, WindowOut, CodeMessage, NextStep)

    @expose("/window", methods=["GET"])
    @protect()
    @safe
    @refusals
    def window(self) -> Response:
        """Return the province's window, the physician's eligibility and the one next step.
        ---
        get:
          summary: My registration window, eligibility and next step (个人中心)
          responses:
            200:
              description: Window, eligibility, what is missing and the next step
              content: {application/json: {schema: {$ref: '#/components/schemas/MyWindowOut'}}}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/Refused'}
        """
        return self.response(200, **my_window(db.session, current_physician(), today_in_beijing()).as_json())
