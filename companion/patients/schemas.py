from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from companion.core.fields import Boolean, Locale, QuietHoursSchema, TimeZoneName, UtcDateTime
from companion.core.pagination import page_schema
from companion.patients.categories import ALWAYS_ON, CATEGORIES, OFF_UNTIL_CHOSEN
from companion.patients.contact import BAD_EMAIL, CHANNELS, CONSENT_METHODS, OPT_OUT_WAYS, normalize_email
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


class EmailAddress(fields.String):
    """An address with a real domain part, normalized as the mail system will see it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_email(raw)
        except ValueError:
            raise ValidationError(BAD_EMAIL) from None


class ConsentInputSchema(Schema):
    sms = fields.Boolean(metadata={"description": "The patient agrees to text messages at `phone`"})
    email = fields.Boolean(metadata={"description": "The patient agrees to e-mail at `email`"})
    method = fields.String(
        load_default="electronic",
        validate=validate.OneOf(CONSENT_METHODS),
        metadata={"description": "How the consents given in this request were given"},
    )


class ConsentSchema(Schema):
    """Consent per channel, and when and how each was given (null while not given)."""

    sms = fields.Boolean(required=True, metadata={"description": "Text messages to `phone` are allowed"})
    email = fields.Boolean(required=True, metadata={"description": "E-mail to `email` is allowed"})
    sms_given_at = UtcDateTime(allow_none=True, required=True, metadata={"description": "When SMS consent was given"})
    sms_method = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(CONSENT_METHODS),
        metadata={"description": "How SMS consent was given"},
    )
    email_given_at = UtcDateTime(
        allow_none=True, required=True, metadata={"description": "When e-mail consent was given"}
    )
    email_method = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(CONSENT_METHODS),
        metadata={"description": "How e-mail consent was given"},
    )
    sms_opted_out_at = UtcDateTime(
        allow_none=True, required=True, metadata={"description": "When the patient stopped text messages"}
    )
    sms_opted_out_via = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(OPT_OUT_WAYS),
        metadata={"description": "How: `sms_keyword` (replied STOP, BAJA...), `provider` (Twilio refused: opted out)"},
    )
    email_opted_out_at = UtcDateTime(
        allow_none=True, required=True, metadata={"description": "When the patient stopped e-mail"}
    )
    email_opted_out_via = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(OPT_OUT_WAYS),
        metadata={"description": "How: `email_link` (the e-mail's unsubscribe link)"},
    )
    phone_invalid_at = UtcDateTime(
        allow_none=True, required=True, metadata={"description": "When the SMS provider called the number unusable"}
    )
    email_invalid_at = UtcDateTime(
        allow_none=True, required=True, metadata={"description": "When the mail server refused the address for good"}
    )


class ContactInputSchema(Schema):
    """Contact details and consent; the phone is read in the clinic's country unless it starts with +."""

    phone = fields.String(
        allow_none=True,
        validate=validate.Length(min=3, max=40),
        metadata={"description": "Mobile number; stored in E.164", "example": "+34 612 345 678"},
    )
    email = EmailAddress(allow_none=True, validate=validate.Length(max=254), metadata={"example": "lucia@example.com"})
    consent = fields.Nested(ConsentInputSchema)
    fallback_channel = fields.String(
        allow_none=True,
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "Channel for reminders no app can receive (default: SMS when consented)"},
    )


class PatientCreateSchema(ContactInputSchema):
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


_CATEGORY_TEXT = {
    "care_instructions": "Restrictions and when they end (always on)",
    "care_tips": "Sun protection and hydration tips",
    "checkin_prompts": "Asking how the skin is healing",
    "appointments": "Reminders of booked appointments",
    "progress": "Progress photo check-ins",
    "maintenance": "Next-session and maintenance nudges",
    "promotional": "Offers from the clinic (off until chosen)",
}
ALWAYS_ON_ERROR = "Care instructions are always on: they keep your skin safe while it heals."


def _always_on(value: bool) -> None:
    if value is not True:
        raise ValidationError(ALWAYS_ON_ERROR)


# Every category and whether the patient receives it.
CategoriesSchema = Schema.from_dict(
    {name: fields.Boolean(required=True, metadata={"description": _CATEGORY_TEXT[name]}) for name in CATEGORIES},
    name="MessageCategories",
)
# The categories a patient turns on or off; unknown names and muting care instructions are refused.
CategoryChoicesSchema = Schema.from_dict(
    {
        name: Boolean(
            validate=_always_on if name in ALWAYS_ON else None,
            metadata={
                "description": _CATEGORY_TEXT[name] + ("; default off" if name in OFF_UNTIL_CHOSEN else "; default on")
            },
        )
        for name in CATEGORIES
    },
    name="MessageCategoryChoices",
)


class MePrefsSchema(PatientPrefsSchema):
    """What the patient changes in the app's settings: also which messages they receive."""

    categories = fields.Nested(
        CategoryChoicesSchema,
        metadata={"description": "Message categories to receive (true) or mute (false); muted reminders are skipped"},
    )


class PatientUpdateSchema(ContactInputSchema):
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
    phone = fields.String(allow_none=True, required=True, metadata={"description": "Mobile number, E.164"})
    email = fields.String(allow_none=True, required=True, metadata={"description": "E-mail address"})
    consent = fields.Nested(ConsentSchema, required=True)
    fallback_channel = fields.String(
        allow_none=True,
        required=True,
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "Channel for reminders no app can receive; null: SMS when consented, else e-mail"},
    )
    categories = fields.Nested(
        CategoriesSchema, required=True, metadata={"description": "The message categories the patient receives"}
    )
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
