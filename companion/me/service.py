"""What the patient's app does that spans domains: the app sees one patient, the
domains each see their part."""

from __future__ import annotations

from typing import Any

from companion.core.transaction import unit_of_work
from companion.patients import service as patients
from companion.patients.models import Patient
from companion.treatments import service as treatments


@unit_of_work
def update_preferences(patient: Patient, data: dict[str, Any]) -> Patient:
    """Zone, locale or quiet hours changed: pending reminders move with them."""
    if patients.set_preferences(patient, data):
        treatments.replan_patient(patient)
    return patient
