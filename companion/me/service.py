"""What the patient's app does that spans domains: the app sees one patient, the
domains each see their part."""

from __future__ import annotations

from typing import Any

from companion.core.clock import utcnow
from companion.core.transaction import unit_of_work
from companion.patients import preferences
from companion.patients.models import Patient
from companion.reminders import service as reminders
from companion.treatments import service as treatments


@unit_of_work
def update_preferences(patient: Patient, data: dict[str, Any]) -> Patient:
    """Zone, locale or quiet hours changed: pending reminders move with them. Categories
    muted or turned on again: the patient's future reminders are skipped or planned again.

    Categories first, so reminders a re-plan writes already follow the new choices."""
    chosen = data.get("categories")
    changed = preferences.set_categories(patient, chosen) if chosen else {}
    if preferences.set_preferences(patient, {key: value for key, value in data.items() if key != "categories"}):
        treatments.replan_patient(patient)
    if changed:
        reminders.apply_categories(patient, utcnow())
    return patient
