from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from companion.core.fields import AwareDateTime, Boolean, Integer, Number, UtcDateTime
from companion.core.i18n import N_
from companion.core.pagination import page_schema
from companion.protocols.registry import protocol_keys
from companion.reminders.schemas import ReminderSchema

MAX_SESSIONS = 6
_FITS_PROTOCOL = (
    "Must also fit the protocol as your clinic applies it (GET /v1/protocols/{key}: "
    "treatment.areas, treatment.combined_with, treatment.min_depth_mm..max_depth_mm, "
    "treatment.max_planned_sessions); otherwise 422."
)
_RECENT = "Within the last 365 days and at most 1 day ahead of now; otherwise 422."


class SeriesSchema(Schema):
    session_number = Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_SESSIONS),
        metadata={"description": "At most planned_sessions; otherwise 422."},
    )
    planned_sessions = Integer(required=True, validate=validate.Range(min=1, max=MAX_SESSIONS))

    @validates_schema
    def _number_within_series(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["session_number"] > data["planned_sessions"]:
            raise ValidationError(N_("Cannot exceed planned_sessions."), field_name="session_number")


def _depth(**kwargs: Any) -> Number:
    return Number(validate=validate.Range(min=0.5, max=2.5), metadata={"description": _FITS_PROTOCOL}, **kwargs)


def _area(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=40), metadata={"example": "face", "description": _FITS_PROTOCOL}, **kwargs
    )


def _combined_with(**kwargs: Any) -> fields.List[str]:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(max=10),
        metadata={"description": _FITS_PROTOCOL},
        **kwargs,
    )


class TreatmentCreateSchema(Schema):
    protocol = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"example": "microneedling-face", "enum_from": protocol_keys},
    )
    performed_at = AwareDateTime(
        required=True, metadata={"example": "2026-11-20T15:30:00+01:00", "description": _RECENT}
    )
    needle_depth_mm = _depth(required=True)
    area = _area(required=True)
    combined_with = _combined_with(load_default=list)
    series = fields.Nested(
        SeriesSchema,
        load_default=lambda: {"session_number": 1, "planned_sessions": 1},
        metadata={"description": _FITS_PROTOCOL},
    )
    clearance_confirmed = Boolean(
        load_default=False,
        metadata={"description": "A doctor cleared this patient despite a positive screening answer."},
    )
    patient_notes = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={
            "description": "The provider's instructions for this session, shown on the patient's aftercare sheet."
        },
    )


class TreatmentUpdateSchema(Schema):
    performed_at = AwareDateTime(metadata={"description": _RECENT})
    needle_depth_mm = _depth()
    area = _area()
    combined_with = _combined_with()
    series = fields.Nested(SeriesSchema, metadata={"description": _FITS_PROTOCOL})
    clearance_confirmed = Boolean()
    patient_notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


class RestrictionSchema(Schema):
    kind = fields.String()
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    title = fields.String()
    detail = fields.String()


class ExpectedCourseSchema(Schema):
    redness_hours = fields.Float()
    swelling_hours = fields.Float()
    other_hours = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": "Other expected effects, in hours"}
    )


class SeriesOutSchema(Schema):
    session_number = fields.Integer()
    planned_sessions = fields.Integer()


class TreatmentSchema(Schema):
    id = fields.Integer()
    patient_id = fields.Integer()
    protocol = fields.String(attribute="protocol_key")
    performed_at = UtcDateTime()
    needle_depth_mm = fields.Float()
    area = fields.String()
    combined_with = fields.List(fields.String())
    series = fields.Nested(SeriesOutSchema)
    clearance_confirmed = fields.Boolean()
    patient_notes = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("active", "cancelled")))
    expected_course = fields.Nested(ExpectedCourseSchema)
    restrictions = fields.List(fields.Nested(RestrictionSchema))
    reminders = fields.List(fields.Nested(ReminderSchema), attribute="timeline_reminders")
    created_at = UtcDateTime()


TreatmentPageSchema = page_schema(TreatmentSchema, "TreatmentPage")


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
    until = UtcDateTime()


class StatusSchema(Schema):
    at = UtcDateTime()
    restrictions = fields.List(fields.Nested(RestrictionStatusSchema))
    allowed_now = fields.List(fields.String(), metadata={"description": "kinds no longer restricted"})
    restricted_now = fields.List(fields.String())
