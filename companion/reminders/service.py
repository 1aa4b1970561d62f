"""A patient's own reminders: details behind a push, and acknowledging them."""
from __future__ import annotations

from companion.core.clock import utcnow
from companion.core.errors import NotFound
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders.models import PATIENT_PUSH, Reminder


def reminder_for(patient: Patient, reminder_id: int) -> Reminder:
    """Pushes carry only the id (lock screens are public); the app reads the text here."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.patient_id != patient.id or reminder.channel != PATIENT_PUSH:
        raise NotFound("No such reminder.")
    return reminder


def acknowledge(patient: Patient, reminder_id: int) -> Reminder:
    reminder = reminder_for(patient, reminder_id)
    if reminder.acknowledged_at is None:
        reminder.acknowledged_at = utcnow()
        db.session.commit()
    return reminder
