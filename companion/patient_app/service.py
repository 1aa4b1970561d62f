"""What each page of the patient app shows, put together from the same services as /v1/me.

Each page's view calls one function here; writes go through the domain services, which own
their transactions.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from companion.alerts import replies
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.courses import service as courses
from companion.courses.aftercare import aftercare_sheet
from companion.courses.models import BOOKED
from companion.extensions import db
from companion.me import service as me
from companion.patients.models import Patient
from companion.privacy import service as privacy
from companion.privacy.schemas import PatientExportSchema
from companion.reminders import service as reminders
from companion.treatments import service as treatments

_UPCOMING_STATES = ("pending",)


def clinic_contact(patient: Patient) -> Clinic:
    return db.session.get_one(Clinic, patient.clinic_id)


def _patient_reminders(patient: Patient) -> list[Any]:
    plan = treatments.timeline_for(patient)
    return sorted((r for t in plan["treatments"] for r in t.timeline_reminders), key=lambda r: (r.due_at, r.id))


def today(patient: Patient) -> dict[str, Any]:
    """What the patient may and may not do now, the next reminder and visit, the clinic."""
    status = treatments.status_for(patient, None)
    now = utcnow()
    upcoming = [r for r in _patient_reminders(patient) if r.due_at > now and r.state in _UPCOMING_STATES]
    return {
        "not_yet": [r for r in status["restrictions"] if r["active"]],
        "allowed": [r for r in status["restrictions"] if not r["active"]],
        "next_reminder": upcoming[0] if upcoming else None,
        "next_appointment": courses.next_appointment(patient),
        "clinic": clinic_contact(patient),
        "updated_at": now,
    }


def aftercare(patient: Patient) -> dict[str, Any]:
    return {**aftercare_sheet(patient), "updated_at": utcnow()}


def timeline(patient: Patient) -> dict[str, Any]:
    """Upcoming (soonest first) and past (latest first) reminders, grouped by the patient's local day."""
    zone = ZoneInfo(patient.timezone)
    now = utcnow()
    rows = _patient_reminders(patient)

    def by_day(items: list[Any]) -> list[tuple[Any, list[Any]]]:
        return [(day, list(group)) for day, group in groupby(items, key=lambda r: r.due_at.astimezone(zone).date())]

    upcoming = [r for r in rows if r.due_at > now]
    past = [r for r in reversed(rows) if r.due_at <= now]
    return {"upcoming": by_day(upcoming), "past": by_day(past), "updated_at": now}


def reminder(patient: Patient, reminder_id: int) -> Any:
    return reminders.open_reminder(patient, reminder_id)


def acknowledge(patient: Patient, reminder_id: int) -> Any:
    return reminders.acknowledge(patient, reminder_id)


def check_in(patient: Patient, data: dict[str, Any]) -> dict[str, Any]:
    """The triage verdict, with the clinic's phone and hours for when it says to call."""
    checkin, _ = replies.submit_checkin(patient, data)
    return {"checkin": checkin, "clinic": clinic_contact(patient)}


def appointments(patient: Patient) -> dict[str, Any]:
    now = utcnow()
    visits = courses.appointments_of(patient)
    upcoming = [a for a in visits if a.starts_at > now and a.status == BOOKED]
    past = [a for a in reversed(visits) if a not in upcoming]
    return {"upcoming": upcoming, "past": past}


def save_settings(patient: Patient, data: dict[str, Any]) -> Patient:
    return me.update_preferences(patient, data)


def export(patient: Patient) -> dict[str, Any]:
    """The same document as GET /v1/me/export (without the clinic's internal notes), as JSON-ready data."""
    document: dict[str, Any] = PatientExportSchema().dump(privacy.own_export(patient))
    return document
