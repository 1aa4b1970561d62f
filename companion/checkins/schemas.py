from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.checkins import triage_rules as rules
from companion.checkins.symptoms import MAX_RATING, MIN_RATING, RED_FLAGS, SYMPTOMS
from companion.core.fields import Boolean, UtcDateTime
from companion.core.i18n import N_
from companion.core.pagination import page_schema

OUTCOMES = rules.OUTCOMES
RULE_KINDS = (rules.RED_FLAG, rules.RATING, rules.TREND, rules.ALL_CLEAR)
RULE_TIMINGS = (rules.ANY, rules.FIRST_DAY, rules.AFTER_FIRST_DAY, rules.INSIDE_WINDOW, rules.OUTSIDE_WINDOW)
_RATING = validate.Range(min=MIN_RATING, max=MAX_RATING, error=N_("Rate 0 (none) to 3 (severe)."))

# Unknown symptom or flag names are rejected (marshmallow's default), not ignored.
RatingsSchema = Schema.from_dict(
    {name: fields.Integer(load_default=0, strict=True, validate=_RATING) for name in SYMPTOMS},
    name="RatingsSchema",
)
RedFlagsSchema = Schema.from_dict({name: Boolean(load_default=False) for name in RED_FLAGS}, name="RedFlagsSchema")


class CheckInCreateSchema(Schema):
    ratings = fields.Nested(RatingsSchema, required=True)
    red_flags = fields.Nested(RedFlagsSchema, load_default=lambda: dict.fromkeys(RED_FLAGS, False))
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"example": "A little itchy along the jawline."},
    )


class CheckInFieldsSchema(Schema):
    """A check-in's own fields; the API's `CheckIn` (alerts/schemas.py) adds the alert it raised."""

    id = fields.Integer()
    patient_id = fields.Integer()
    treatment_id = fields.Integer(allow_none=True)
    ratings = fields.Dict(keys=fields.String(validate=validate.OneOf(SYMPTOMS)), values=fields.Integer())
    red_flags = fields.List(fields.String(validate=validate.OneOf(RED_FLAGS)))
    note = fields.String(allow_none=True)
    hours_since_treatment = fields.Float(allow_none=True)
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    reasons = fields.List(fields.String())
    advice = fields.String()
    created_at = UtcDateTime()


class TriageRuleSchema(Schema):
    id = fields.String()
    condition = fields.String()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    advice_key = fields.String()
    kind = fields.String(validate=validate.OneOf(RULE_KINDS))
    subject = fields.String(allow_none=True)
    ratings = fields.List(fields.Integer(), allow_none=True)
    timing = fields.String(validate=validate.OneOf(RULE_TIMINGS))


TriageRulePageSchema = page_schema(TriageRuleSchema, "TriageRulePage")
