from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.pagination import PageArgsSchema, page_schema
from companion.worklist.service import REASONS


class WorklistArgsSchema(PageArgsSchema):
    reason = fields.String(validate=validate.OneOf(REASONS))


class WorklistItemSchema(Schema):
    reason = fields.String(metadata={"description": ", ".join(REASONS)})
    patient_id = fields.Integer()
    patient_name = fields.String(allow_none=True)
    since = fields.DateTime(format="iso")
    label = fields.String()
    ref = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "alert_id, appointment_id or reminder_id when the item has one"},
    )


WorklistSchema = page_schema(WorklistItemSchema, "Worklist")
