from __future__ import annotations

from marshmallow import Schema, fields


class ReminderSchema(Schema):
    id = fields.Integer()
    treatment_id = fields.Integer(allow_none=True)
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    due_at = fields.DateTime(format="iso")
    expires_at = fields.DateTime(format="iso")
    state = fields.String(
        metadata={"description": "pending, sent, expired, undeliverable, cancelled, failed or acknowledged"}
    )
    sent_at = fields.DateTime(format="iso", allow_none=True)
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)
