"""The engagement report's query and body."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from companion.core.field_messages import AT_MOST_DAYS, NO_PROTOCOL
from companion.core.i18n import N_
from companion.protocols.registry import protocol_keys
from companion.reports.service import DEFAULT_DAYS, MAX_DAYS


class EngagementArgsSchema(Schema):
    from_ = fields.Date(
        data_key="from",
        metadata={"description": f"First day (clinic zone), inclusive; {DEFAULT_DAYS} days before `to` by default"},
    )
    to = fields.Date(
        metadata={
            "description": f"Last day (clinic zone), inclusive; today by default. Not before `from`, and at most "
            f"{MAX_DAYS} days after it (422 otherwise)"
        }
    )
    protocol = fields.String(
        validate=lambda key: key in protocol_keys() or _unknown(key),
        metadata={"description": "Only patients with a session of this protocol", "enum_from": protocol_keys},
    )

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        start, end = data.get("from_"), data.get("to")
        if start and end and end < start:
            raise ValidationError(N_("Must not be before `from`."), "to")
        if start and end and (end - start).days >= MAX_DAYS:
            raise ValidationError(AT_MOST_DAYS.format(days=MAX_DAYS), "to")


def _unknown(key: str) -> bool:
    raise ValidationError(NO_PROTOCOL.format(key=repr(key)))


class ReminderFunnelSchema(Schema):
    kind = fields.String(required=True)
    channel = fields.String(required=True)
    planned = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    opened = fields.Integer(required=True, metadata={"description": "The app fetched the reminder's text"})
    acknowledged = fields.Integer(required=True)


class CheckInsSchema(Schema):
    prompts_sent = fields.Integer(required=True)
    answered = fields.Integer(required=True)


class AlertFiguresSchema(Schema):
    severity = fields.String(
        required=True, validate=validate.OneOf(["urgent", "contact_clinic", "self_care", "expected"])
    )
    raised = fields.Integer(required=True)
    acknowledged = fields.Integer(required=True)
    median_minutes_to_acknowledge = fields.Float(required=True, allow_none=True)


class SeriesRebookingSchema(Schema):
    sessions = fields.Integer(required=True, metadata={"description": "Series sessions with another one planned"})
    rebooked_on_time = fields.Integer(required=True)
    window_open = fields.Integer(required=True)
    missed = fields.Integer(required=True)


class EngagementSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", attribute="from")
    to = fields.Date(required=True)
    timezone = fields.String(
        required=True, metadata={"description": "The clinic's IANA zone: `from` and `to` are its local days"}
    )
    protocol = fields.String(required=True, allow_none=True)
    reminders = fields.List(fields.Nested(ReminderFunnelSchema), required=True)
    checkins = fields.Nested(CheckInsSchema, required=True)
    alerts = fields.List(fields.Nested(AlertFiguresSchema), required=True)
    series = fields.Nested(SeriesRebookingSchema, required=True)
    unreachable_patients = fields.Integer(
        required=True, metadata={"description": "Patients none of whose reminders due in the period reached a phone"}
    )
