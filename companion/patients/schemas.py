from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.core.fields import Boolean, Locale, QuietHoursSchema, TimeZoneName, UtcDateTime
from companion.core.pagination import page_schema
from companion.patients.screening import CONTRAINDICATIONS

# Every answer is required: an omitted contraindication must not read as "no".
ScreeningSchema = Schema.from_dict(
    {
        **{key: Boolean(required=True) for key in CONTRAINDICATIONS},
        "medications_note": fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000)),
        "condition_note": fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000)),
    },
    name="ScreeningSchema",
)
# The answers as given (in answers, every key is present).
ScreeningAnswersSchema = Schema.from_dict(
    {
        **{key: fields.Boolean() for key in CONTRAINDICATIONS},
        "medications_note": fields.String(allow_none=True),
        "condition_note": fields.String(allow_none=True),
    },
    name="ScreeningAnswersSchema",
)


class PatientCreateSchema(Schema):
    display_name = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Lucía Fernández"}
    )
    external_ref = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Your own system's id for the patient, unique in your clinic", "example": "HC-20417"},
    )
    timezone = TimeZoneName(required=True, metadata={"example": "Europe/Madrid"})
    locale = Locale(load_default="en")
    quiet_hours = fields.Nested(QuietHoursSchema, load_default=None, allow_none=True)
    screening = fields.Nested(ScreeningSchema, required=True)


class PatientPrefsSchema(Schema):
    """What a patient may change about itself; pending reminders are re-planned."""

    timezone = TimeZoneName()
    locale = Locale()
    quiet_hours = fields.Nested(QuietHoursSchema)


class PatientUpdateSchema(Schema):
    """The screening is restated whole: an omitted answer must not read as "no"."""

    display_name = fields.String(validate=validate.Length(min=1, max=200))
    screening = fields.Nested(ScreeningSchema)


class PatientEditSchema(PatientUpdateSchema, PatientPrefsSchema):
    """What the front desk may change: the name and screening, and the zone, language and quiet hours."""


class WarningSchema(Schema):
    code = fields.String(validate=validate.OneOf(list(CONTRAINDICATIONS)))
    message = fields.String()


class PatientSchema(Schema):
    id = fields.Integer()
    display_name = fields.String()
    external_ref = fields.String(allow_none=True)
    timezone = fields.String()
    locale = fields.String()
    quiet_hours = fields.Nested(QuietHoursSchema)
    screening = fields.Nested(ScreeningAnswersSchema)
    warnings = fields.List(fields.Nested(WarningSchema))
    created_at = UtcDateTime()


class EnrolledPatientSchema(PatientSchema):
    enrollment_code = fields.String(metadata={"description": "One-time code for the patient's app; shown once."})
    enrollment_code_expires_at = UtcDateTime()
    join_url = fields.String(
        required=True,
        metadata={"description": "The web app's join link (the code in its fragment); the hand-out's QR holds it."},
    )


class EnrollmentCodeSchema(Schema):
    enrollment_code = fields.String()
    enrollment_code_expires_at = UtcDateTime()
    join_url = fields.String(required=True, metadata={"description": "The web app's join link with this code"})


PatientPageSchema = page_schema(PatientSchema, "PatientPage")


class SessionCreateSchema(Schema):
    enrollment_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SessionSchema(Schema):
    token = fields.String(metadata={"description": "Patient bearer token; store it securely."})
    patient = fields.Nested(PatientSchema)


class ReissueArgsSchema(Schema):
    end_sessions = fields.Boolean(
        load_default=False,
        metadata={"description": "Also sign out every phone already signed in (default: they stay signed in)"},
    )
