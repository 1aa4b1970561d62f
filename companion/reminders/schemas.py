from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import UtcDateTime
from companion.patients.categories import CATEGORIES, MUTED
from companion.reminders.models import (
    CANCELLED,
    EXPIRED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    SUPERSEDED,
    UNDELIVERABLE,
)

# What the patient's timeline shows (a claimed row reads as pending).
STATES = (PENDING, SENT, EXPIRED, UNDELIVERABLE, CANCELLED, FAILED, SUPERSEDED, SKIPPED, "acknowledged")


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
    category = fields.String(
        allow_none=True,
        validate=validate.OneOf(CATEGORIES),
        metadata={"description": "The message category the patient may mute; null on rows planned before categories"},
    )
    must_see = fields.Boolean(
        metadata={"description": "An unopened push is followed by one SMS or e-mail (COMPANION_FALLBACK_AFTER_MINUTES)"}
    )
    skip_reason = fields.String(
        allow_none=True,
        validate=validate.OneOf((MUTED,)),
        metadata={"description": "Why a skipped reminder is not sent: `muted`, its category is off"},
    )
