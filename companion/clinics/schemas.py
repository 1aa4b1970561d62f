from __future__ import annotations

from typing import Any

import phonenumbers
from marshmallow import Schema, fields, post_dump, validate

from companion.core.fields import Boolean, TimeZoneName, UtcDateTime, WebUrl
from companion.core.i18n import N_
from companion.core.openapi import OPTIONAL
from companion.core.pagination import page_schema


class ClinicSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    descriptive_push = fields.Boolean(metadata={"description": "Pushes show the reminder text (off: neutral text)"})
    webhook_url = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    hours = fields.String(allow_none=True, metadata={"description": "Opening hours, as patients should read them"})
    country = fields.String(
        required=True,
        metadata={"description": "ISO 3166 alpha-2: patients' phone numbers without +country code are read in it"},
    )
    timezone = fields.String(
        required=True,
        metadata={"description": "IANA zone of clinic-wide lists (audit log, worklist, report days)"},
    )
    created_at = UtcDateTime()


class ClinicWithSecretSchema(ClinicSchema):
    webhook_secret = fields.String(
        metadata={
            "description": "HMAC-SHA256 key for webhook signatures; only shown when created or rotated",
            OPTIONAL: True,
        }
    )

    @post_dump
    def _only_when_shown(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("webhook_secret") is None:
            data.pop("webhook_secret", None)
        return data


class ClinicUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    descriptive_push = Boolean()
    webhook_url = WebUrl(
        allow_none=True,
        metadata={
            "description": "https only; its host must resolve to public addresses only (checked when saved and "
            "again at each delivery; 422 otherwise); null removes the webhook",
        },
    )
    phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(
            r"^\+?[0-9][0-9 ().-]{3,38}$", error=N_("Use a phone number such as +34 912 345 678.")
        ),
    )
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))
    country = fields.String(
        validate=validate.And(
            validate.Regexp(r"^[A-Z]{2}$", error=N_("Use the two capital letters of ISO 3166, e.g. ES.")),
            validate.OneOf(sorted(phonenumbers.SUPPORTED_REGIONS), error=N_("Not a country with phone numbers.")),
        ),
        metadata={"description": "ISO 3166 alpha-2, e.g. ES: patients' numbers without +country code are read in it"},
    )
    hours = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Opening hours as patients should read them, e.g. Mon-Fri 9:00-19:00"},
    )
    timezone = TimeZoneName(
        metadata={
            "description": "IANA zone, e.g. Europe/Madrid: the audit log, worklist times and the days of a "
            "report's period are the clinic's local ones (a patient's own items stay in the patient's zone)",
        }
    )


class ApiKeySchema(Schema):
    id = fields.Integer()
    prefix = fields.String(allow_none=True, metadata={"description": "The key's first characters, to tell keys apart"})
    created_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    created_by_kind = fields.String(
        metadata={"description": "Who made it: api_key (another key), staff (the console) or cli (the operator)"}
    )
    created_by_id = fields.Integer(allow_none=True, metadata={"description": "That key's or staff member's id"})


ApiKeyPageSchema = page_schema(ApiKeySchema, "ApiKeyPage")


class NewApiKeySchema(ApiKeySchema):
    key = fields.String(metadata={"description": "The key itself: shown only in this response, stored hashed"})
