from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from companion.core.fields import AwareDateTime


class SeriesSchema(Schema):
    session_number = fields.Integer(required=True, validate=validate.Range(min=1, max=6))
    planned_sessions = fields.Integer(required=True, validate=validate.Range(min=1, max=6))

    @validates_schema
    def _number_within_series(self, data, **kwargs):
        if data["session_number"] > data["planned_sessions"]:
            raise ValidationError("Cannot exceed planned_sessions.", field_name="session_number")


class TreatmentCreateSchema(Schema):
    protocol = fields.String(required=True, validate=validate.Length(min=1, max=80),
                             metadata={"example": "microneedling-face"})
    performed_at = AwareDateTime(required=True, metadata={"example": "2026-11-20T15:30:00+01:00"})
    needle_depth_mm = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0.25, max=3.0))
    area = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"example": "face"})
    combined_with = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                                load_default=list, validate=validate.Length(max=10))
    series = fields.Nested(SeriesSchema, load_default=lambda: {"session_number": 1, "planned_sessions": 1})
    clearance_confirmed = fields.Boolean(
        load_default=False,
        metadata={"description": "A doctor cleared this patient despite a positive screening answer."},
    )


class TreatmentUpdateSchema(Schema):
    performed_at = AwareDateTime()
    needle_depth_mm = fields.Float(allow_nan=False, validate=validate.Range(min=0.25, max=3.0))
    area = fields.String(validate=validate.Length(min=1, max=40))
    combined_with = fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=10))
    series = fields.Nested(SeriesSchema)
    clearance_confirmed = fields.Boolean()


class RestrictionSchema(Schema):
    kind = fields.String()
    starts_at = fields.DateTime(format="iso")
    ends_at = fields.DateTime(format="iso")
    title = fields.String()
    detail = fields.String()


class ReminderSchema(Schema):
    id = fields.Integer()
    treatment_id = fields.Integer(allow_none=True)
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    due_at = fields.DateTime(format="iso")
    expires_at = fields.DateTime(format="iso")
    state = fields.String(metadata={"description": "pending, sent, expired, undeliverable, cancelled, failed or acknowledged"})
    sent_at = fields.DateTime(format="iso", allow_none=True)
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)


class ExpectedCourseSchema(Schema):
    redness_hours = fields.Float()
    swelling_hours = fields.Float()


class TreatmentSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    protocol = fields.String(attribute="protocol_key")
    performed_at = fields.DateTime(format="iso")
    needle_depth_mm = fields.Float()
    area = fields.String()
    combined_with = fields.List(fields.String())
    series = fields.Method("_series", metadata={"type": "object"})
    clearance_confirmed = fields.Boolean()
    status = fields.String()
    expected_course = fields.Method("_course", metadata={"type": "object"})
    restrictions = fields.List(fields.Nested(RestrictionSchema))
    reminders = fields.List(fields.Nested(ReminderSchema), attribute="timeline_reminders")
    created_at = fields.DateTime(format="iso")

    def _series(self, t) -> dict[str, int]:
        return {"session_number": t.session_number, "planned_sessions": t.planned_sessions}

    def _course(self, t) -> dict:
        return t.protocol_snapshot.get("expected_course", {})


class TimelineSchema(Schema):
    patient_id = fields.Integer()
    timezone = fields.String()
    treatments = fields.List(fields.Nested(TreatmentSchema))


class StatusArgsSchema(Schema):
    at = AwareDateTime(metadata={"description": "ISO 8601 with offset; default now"})


class RestrictionStatusSchema(Schema):
    kind = fields.String()
    title = fields.String()
    detail = fields.String()
    treatment_id = fields.Integer()
    active = fields.Boolean()
    until = fields.DateTime(format="iso")


class StatusSchema(Schema):
    at = fields.DateTime(format="iso")
    restrictions = fields.List(fields.Nested(RestrictionStatusSchema))
    allowed_now = fields.List(fields.String(), metadata={"description": "kinds no longer restricted"})
    restricted_now = fields.List(fields.String())
