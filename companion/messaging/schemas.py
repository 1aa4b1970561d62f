"""The forms Twilio posts to the hooks. Twilio sends many more fields than these (and adds new
ones): they are signed and accepted, only these are read."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from companion.core.errors import Invalid
from companion.patients.contact import parse_phone

MESSAGE_SID = validate.Regexp(r"^[A-Z]{2}[0-9a-fA-F]{32}$", error="Not a Twilio message SID.")
ACCOUNT_SID = validate.Regexp(r"^AC[0-9a-fA-F]{32}$", error="Not a Twilio account SID.")


class E164(fields.String):
    """A phone number as Twilio writes it (+ and digits), checked as a real number."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not raw.startswith("+"):
            raise ValidationError("Expected E.164, e.g. +34612345678.")
        try:
            return parse_phone(raw, "US")
        except Invalid:
            raise ValidationError("Not a valid phone number.") from None


class InboundMessageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    MessageSid = fields.String(required=True, validate=MESSAGE_SID, metadata={"example": "SM" + "0" * 32})
    AccountSid = fields.String(validate=ACCOUNT_SID)
    From = E164(
        required=True,
        metadata={"description": "The patient's number: E.164, a real number", "example": "+34612345678"},
    )
    To = fields.String(validate=validate.Length(max=64), metadata={"description": "Our number"})
    Body = fields.String(
        load_default="", validate=validate.Length(max=1600), metadata={"description": "What the patient wrote"}
    )
    OptOutType = fields.String(
        validate=validate.Length(max=16),
        metadata={"description": "With Twilio's Advanced Opt-Out: STOP, START or HELP"},
    )


class MessageStatusSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    MessageSid = fields.String(required=True, validate=MESSAGE_SID, metadata={"example": "SM" + "0" * 32})
    AccountSid = fields.String(validate=ACCOUNT_SID)
    MessageStatus = fields.String(
        required=True,
        validate=validate.Length(min=1, max=16),
        metadata={"description": "queued, sending, sent, delivered, undelivered, failed...", "example": "delivered"},
    )
    ErrorCode = fields.Integer(
        strict=False,
        validate=validate.Range(min=1, max=99999),
        metadata={"description": "Twilio's error code with undelivered and failed", "example": 30006},
    )
    To = fields.String(validate=validate.Length(max=64), metadata={"description": "The patient's number"})
