from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import UtcDateTime
from companion.reminders.models import CANCELLED, EXPIRED, FAILED, PENDING, SENT, SUPERSEDED, UNDELIVERABLE

# What the patient's timeline shows (a claimed row reads as pending).
STATES = (PENDING, SENT, EXPIRED, UNDELIVERABLE, CANCELLED, FAILED, SUPERSEDED, "acknowledged")


class ReminderSchema(Schema):
    id = fields.Integer()
    treatment_id = fields.Integer(allow_none=True)
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    due_at = UtcDateTime()
    expires_at = UtcDateTime()
    state = fields.String(validate=validate.OneOf(STATES))
    sent_at = UtcDateTime(allow_none=True)
    acknowledged_at = UtcDateTime(allow_none=True)
