from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.alerts.models import AlertStatus
from companion.checkins.schemas import CheckInFieldsSchema
from companion.checkins.triage_rules import Severity
from companion.core.fields import UtcDateTime
from companion.core.pagination import PageArgsSchema, page_schema

SEVERITIES = [str(s) for s in Severity if s is not Severity.EXPECTED]  # an alert is never "expected"
ALERT_STATUSES = [str(s) for s in AlertStatus]
EVENTS = ("alert.created", "alert.escalated", "alert.acknowledged", "alert.resolved")


class CheckInSchema(CheckInFieldsSchema):
    """A check-in as the API shows it (dumped from a `CheckInReply`). Check-ins know nothing of
    alerts, so the alert it raised or joined is added here, on the alerts side."""

    alert_id = fields.Integer(allow_none=True)


CheckInPageSchema = page_schema(CheckInSchema, "CheckInPage")


class AlertSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    checkin_id = fields.Integer()
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    reasons = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(ALERT_STATUSES))
    created_at = UtcDateTime()
    acknowledged_at = UtcDateTime(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    checkin_count = fields.Integer(metadata={"description": "Off-course check-ins gathered in this alert"})
    latest_checkin_id = fields.Integer(allow_none=True)
    updated_at = UtcDateTime(allow_none=True)
    checkin = fields.Nested(CheckInSchema, attribute="opening_checkin", allow_none=True)


AlertPageSchema = page_schema(AlertSchema, "AlertPage")


class AlertListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(ALERT_STATUSES))


class ResolveSchema(Schema):
    note = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"example": "Called the patient; antibiotics prescribed, review on Friday."},
    )


class WebhookAlertSchema(Schema):
    id = fields.Integer(required=True)
    patient_id = fields.Integer(required=True)
    checkin_id = fields.Integer(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    reasons = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(required=True)


class WebhookEventSchema(Schema):
    """POSTed to the clinic's webhook_url. Headers: `X-Companion-Event` (the event),
    `X-Companion-Delivery` (retries of one event repeat it), `X-Companion-Timestamp` (Unix
    seconds) and `X-Companion-Signature: sha256=<hex>`, the HMAC-SHA256 with the webhook
    secret over `<timestamp>.<raw body>`. Refuse a wrong signature or an old timestamp;
    answer 2xx once stored (other answers are retried until the event expires)."""

    id = fields.String(required=True, metadata={"description": "The event's id; retries repeat it"})
    event = fields.String(required=True, validate=validate.OneOf(EVENTS))
    alert = fields.Nested(WebhookAlertSchema, required=True)
