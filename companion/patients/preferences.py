"""What a patient changes about themselves: zone, language, quiet hours (which plan reminders)
and the message categories they receive (audited: a clinic must know why a reminder was skipped)."""

from __future__ import annotations

from typing import Any

from companion.audit import service as audit
from companion.extensions import db
from companion.patients.models import Patient


def set_preferences(patient: Patient, data: dict[str, Any]) -> bool:
    """Zone, locale or quiet hours; returns whether anything that plans reminders changed."""
    if "timezone" in data:
        patient.timezone = data["timezone"]
    if "locale" in data:
        patient.locale = data["locale"]
    if "quiet_hours" in data:
        patient.quiet_start = data["quiet_hours"]["start"]
        patient.quiet_end = data["quiet_hours"]["end"]
    db.session.flush()
    return bool(data)


def set_categories(patient: Patient, chosen: dict[str, bool]) -> dict[str, bool]:
    """The patient's choices per message category; returns those that changed (audited)."""
    before = patient.categories
    changed = {name: on for name, on in chosen.items() if before.get(name) != on}
    if changed:
        patient.message_categories = {**(patient.message_categories or {}), **chosen}
        on_off = ",".join(f"{name}={'on' if on else 'off'}" for name, on in sorted(changed.items()))
        audit.record(patient.id, "message categories changed", target=on_off)
    return changed
