"""The front desk edits a patient: the name, screening and contact details as the API's PATCH changes them, the
zone, language and quiet hours as the patient's app changes them, so pending reminders move too."""

from __future__ import annotations

from typing import Any

from companion.clinics.models import Clinic
from companion.core.transaction import unit_of_work
from companion.patients import preferences
from companion.patients import service as patients
from companion.patients.contact import CONTACT_FIELDS
from companion.patients.models import Patient
from companion.treatments.service.planning import replan_patient

_DETAILS = ("display_name", "screening")


def _changed_preferences(patient: Patient, data: dict[str, Any]) -> dict[str, Any]:
    """Only what differs: re-planning a patient's reminders for nothing would churn the outbox."""
    current = {
        "timezone": patient.timezone,
        "locale": patient.locale,
        "quiet_hours": {"start": patient.quiet_start, "end": patient.quiet_end},
    }
    return {key: data[key] for key in current if key in data and data[key] != current[key]}


@unit_of_work
def edit_patient(clinic: Clinic, patient_id: int, data: dict[str, Any]) -> Patient:
    patient = patients.update_patient(
        clinic, patient_id, {key: data[key] for key in (*_DETAILS, *CONTACT_FIELDS) if key in data}
    )
    if preferences.set_preferences(patient, _changed_preferences(patient, data)):
        replan_patient(patient)
    return patient
