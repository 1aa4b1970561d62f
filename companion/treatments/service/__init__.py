"""Treatments: recording sessions, planning their timelines, and what the patient's app reads."""

from companion.treatments.service.patient_edit import edit_patient
from companion.treatments.service.patient_timeline import status_for, timeline_for
from companion.treatments.service.planning import prefs_of, replan_patient
from companion.treatments.service.recording import (
    cancel_treatment,
    correct_treatment,
    get_treatment,
    list_patient_treatments,
    most_used,
    patient_treatments_page,
    record_treatment,
)

__all__ = [
    "cancel_treatment",
    "correct_treatment",
    "edit_patient",
    "get_treatment",
    "list_patient_treatments",
    "patient_treatments_page",
    "most_used",
    "prefs_of",
    "record_treatment",
    "replan_patient",
    "status_for",
    "timeline_for",
]
