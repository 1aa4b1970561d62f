from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import AwareDateTime, UtcDateTime
from companion.core.pagination import page_schema
from companion.courses.models import ATTENDED, BOOKED, CANCELLED, KINDS


class AppointmentCreateSchema(Schema):
    starts_at = AwareDateTime(
        required=True, metadata={"description": "In the future, at most two years ahead; otherwise 422."}
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "Shown to the patient with the reminder the day before."},
    )


class AppointmentUpdateSchema(Schema):
    starts_at = AwareDateTime()
    kind = fields.String(validate=validate.OneOf(KINDS))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))


class AppointmentSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    starts_at = UtcDateTime()
    kind = fields.String(validate=validate.OneOf(KINDS))
    note = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf((BOOKED, CANCELLED, ATTENDED)))
    treatment_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


AppointmentPageSchema = page_schema(AppointmentSchema, "AppointmentPage")


class AppointmentListArgsSchema(Schema):
    include_past = fields.Boolean(load_default=True)
