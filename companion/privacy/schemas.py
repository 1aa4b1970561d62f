"""The export document: everything held about one patient, section by section."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from companion.alerts.schemas import AlertSchema, CheckInSchema
from companion.audit.schemas import AuditEntrySchema
from companion.core.fields import UtcDateTime
from companion.courses.schemas import AppointmentSchema
from companion.patients.schemas import PatientSchema
from companion.reminders.schemas import ReminderSchema
from companion.treatments.schemas import TreatmentSchema


class ExportDeliverySchema(Schema):
    outcome = fields.String(metadata={"description": "sent, retry, deactivated, failed or backoff"})
    channel = fields.String(
        validate=validate.OneOf(["push", "sms", "email"]),
        metadata={"description": "push (a device), sms or email (the patient's number or address)"},
    )
    at = UtcDateTime()
    platform = fields.String(allow_none=True)
    device = fields.String(allow_none=True, metadata={"description": "The phone's identifier, masked to its end"})


class ExportReminderSchema(ReminderSchema):
    channel = fields.String(metadata={"description": "patient_push, staff_push (an alert to the clinic) or webhook"})
    deliveries = fields.List(fields.Nested(ExportDeliverySchema))


class ExportDeviceSchema(Schema):
    id = fields.Integer()
    identifier = fields.String(metadata={"description": "Masked: only its last characters"})
    kind = fields.String()
    platform = fields.String()
    active = fields.Boolean()
    created_at = UtcDateTime()


class PatientExportSchema(Schema):
    exported_at = UtcDateTime()
    patient = fields.Nested(PatientSchema, metadata={"description": "Includes the screening answers"})
    treatments = fields.List(
        fields.Nested(TreatmentSchema), metadata={"description": "With their restrictions and timeline reminders"}
    )
    reminders = fields.List(
        fields.Nested(ExportReminderSchema),
        metadata={"description": "Every reminder about the patient, with its state and deliveries"},
    )
    devices = fields.List(fields.Nested(ExportDeviceSchema))
    checkins = fields.List(fields.Nested(CheckInSchema))
    alerts = fields.List(fields.Nested(AlertSchema))
    appointments = fields.List(fields.Nested(AppointmentSchema))
    audit = fields.List(fields.Nested(AuditEntrySchema), metadata={"description": "Who read or changed this data"})
