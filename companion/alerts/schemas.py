from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.alerts.models import AlertStatus
from companion.checkins.schemas import CheckInFieldsSchema


class CheckInSchema(CheckInFieldsSchema):
    """A check-in as the API shows it (dumped from a `CheckInReply`). Check-ins know nothing of
    alerts, so the alert it raised or joined is added here, on the alerts side."""

    alert_id = fields.Integer(allow_none=True)


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
    checkin = fields.Nested(CheckInSchema, attribute="opening_checkin", allow_none=True)


class AlertListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(list(AlertStatus)))


class ResolveSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
