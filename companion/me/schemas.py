from __future__ import annotations

from marshmallow import Schema, fields

from companion.core.fields import UtcDateTime
from companion.courses.schemas import AppointmentSchema
from companion.treatments.schemas import RestrictionStatusSchema


class ClinicContactSchema(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)


class SheetTreatmentSchema(Schema):
    id = fields.Integer()
    protocol = fields.String()
    title = fields.String()
    performed_at = UtcDateTime()
    needle_depth_mm = fields.Float()
    session_number = fields.Integer()
    planned_sessions = fields.Integer()


class SheetExpectedCourseSchema(Schema):
    summary = fields.String()
    redness_hours = fields.Float(allow_none=True)
    swelling_hours = fields.Float(allow_none=True)


class WarningSignSchema(Schema):
    key = fields.String()
    text = fields.String()


class UrgentSchema(Schema):
    title = fields.String()
    body = fields.String()


class AftercareSheetSchema(Schema):
    locale = fields.String()
    treatment = fields.Nested(SheetTreatmentSchema, allow_none=True)
    restrictions = fields.List(fields.Nested(RestrictionStatusSchema))
    expected_course = fields.Nested(SheetExpectedCourseSchema, allow_none=True)
    warning_signs = fields.List(fields.Nested(WarningSignSchema), metadata={"description": "Contact the clinic"})
    urgent = fields.Nested(UrgentSchema, allow_none=True)
    clinic = fields.Nested(ClinicContactSchema)
    patient_notes = fields.String(allow_none=True, metadata={"description": "The provider's own instructions"})
    next_appointment = fields.Nested(AppointmentSchema, allow_none=True)
