from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.checkins.schemas import CheckInSchema
from companion.core.pagination import PageArgsSchema, page_schema


class AlertSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    checkin_id = fields.Integer()
    severity = fields.String()
    reasons = fields.List(fields.String())
    status = fields.String()
    created_at = fields.DateTime(format="iso")
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)
    resolved_at = fields.DateTime(format="iso", allow_none=True)
    resolution_note = fields.String(allow_none=True)
    checkin_count = fields.Integer(metadata={"description": "Off-course check-ins gathered in this alert"})
    latest_checkin_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime(format="iso", allow_none=True)
    checkin = fields.Nested(CheckInSchema, allow_none=True)


AlertPageSchema = page_schema(AlertSchema, "AlertPage")


class AlertListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(["open", "acknowledged", "resolved"]))


class ResolveSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
