from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import UtcDateTime
from companion.core.openapi import OPTIONAL
from companion.core.pagination import PageArgsSchema, page_schema
from companion.worklist.service import REASONS


class WorklistArgsSchema(PageArgsSchema):
    reason = fields.String(validate=validate.OneOf(REASONS))


class WorklistRefSchema(Schema):
    alert_id = fields.Integer(metadata={OPTIONAL: True})
    appointment_id = fields.Integer(metadata={OPTIONAL: True})
    reminder_id = fields.Integer(metadata={OPTIONAL: True})
    treatment_id = fields.Integer(metadata={OPTIONAL: True})


class WorklistItemSchema(Schema):
    reason = fields.String(validate=validate.OneOf(REASONS))
    patient_id = fields.Integer()
    patient_name = fields.String(allow_none=True)
    since = UtcDateTime()
    label = fields.String()
    ref = fields.Nested(
        WorklistRefSchema,
        metadata={"description": "alert_id, appointment_id, reminder_id or treatment_id when the item has one"},
    )


WorklistSchema = page_schema(WorklistItemSchema, "Worklist")
