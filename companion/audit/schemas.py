from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.audit.models import ACTOR_KINDS, OUTCOMES
from companion.core.fields import AwareDateTime, UtcDateTime
from companion.core.pagination import PageArgsSchema, page_schema
from companion.core.requests import ROW_ID_MAX


class AuditArgsSchema(PageArgsSchema):
    patient_id = fields.Integer(
        validate=validate.Range(min=1, max=ROW_ID_MAX),
        metadata={"description": "Only entries about this patient (also after an erasure)."},
    )
    since = AwareDateTime(metadata={"description": "Only entries at or after this time (ISO 8601 with offset)."})


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    patient_id = fields.Integer(allow_none=True, metadata={"description": "null for a clinic-wide action"})
    actor_kind = fields.String(
        validate=validate.OneOf(ACTOR_KINDS),
        metadata={
            "description": "api_key: a clinic integration; staff: a console user; patient_session: the patient's app; "
            "enrollment_code: an app signing in with a code; patient_reply: the patient by SMS keyword or an "
            "e-mail's unsubscribe link; sms_provider: Twilio reporting a number unusable or opted out"
        },
    )
    actor_id = fields.Integer(
        metadata={"description": "The API key's id, the staff member's id, or the patient session's id"}
    )
    action = fields.String(
        metadata={
            "description": "The request, as method and route, e.g. `GET /v1/patients/{patient_id}`, or a named "
            "event: `patient erased`, `patient sign-in`, `console sign-in`, `api key created`, `api key revoked`, "
            "`revoked api key used`, `webhook url changed`, `webhook removed`, `webhook secret rotated`, "
            "`staff invited`, `staff removed`, `protocol override set`, `protocol override cleared`, "
            "`sms opt-out`, `sms opt-in`, `email opt-out`, `phone invalid`",
            "example": "GET /v1/patients/{patient_id}",
        }
    )
    target = fields.String(
        allow_none=True,
        metadata={
            "description": "What was acted on, as the request named it (`appointment_id=42`), also when refused",
            "example": "appointment_id=42",
        },
    )
    outcome = fields.String(
        validate=validate.OneOf(OUTCOMES),
        metadata={
            "description": "ok; denied (unknown or another clinic's id, bad or revoked credentials, not allowed); "
            "failed (refused for the input or a conflict: nothing changed)"
        },
    )
    address = fields.String(allow_none=True, metadata={"description": "The client's address"})
    patient_ids = fields.List(
        fields.Integer(),
        metadata={"description": "A list read (patient_id null): the patients on the page it returned"},
    )


AuditPageSchema = page_schema(AuditEntrySchema, "AuditPage")
