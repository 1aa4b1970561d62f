"""After a self-care or contact-clinic outcome the app asks again about 12 h later."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from companion.checkins.models import CheckIn
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models as r
from companion.treatments.localtime import QuietHours
from companion.treatments.models import Treatment
from companion.treatments.planning import prefs_of

FOLLOW_UP_OUTCOMES = ("self_care", "contact_clinic")
FOLLOW_UP_AFTER = timedelta(hours=12)
FOLLOW_UP_LIFETIME = timedelta(hours=12)

_TEXT = {
    "en": ("How is your skin now?", "Please check in again so we can see how your skin is healing."),
    "es": ("¿Cómo está tu piel ahora?", "Vuelve a registrar tus síntomas para ver cómo evoluciona tu piel."),
}


def schedule_followup(checkin: CheckIn, patient: Patient, treatment: Treatment | None) -> None:
    if checkin.outcome not in FOLLOW_UP_OUTCOMES:
        return
    prefs = prefs_of(patient)
    quiet = QuietHours(ZoneInfo(prefs.timezone), prefs.quiet_start, prefs.quiet_end)
    due = checkin.created_at + FOLLOW_UP_AFTER
    if quiet.contains(due):
        due = quiet.period_end(due) or due
    title, body = _TEXT.get(patient.locale.split("-")[0], _TEXT["en"])
    db.session.add(
        r.Reminder(
            channel=r.PATIENT_PUSH,
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            treatment_id=treatment.id if treatment else None,
            kind="checkin_prompt",
            plan_key=f"followup:{checkin.id}",
            title=title,
            body=body,
            payload={"checkin_id": checkin.id},
            due_at=due,
            expires_at=due + FOLLOW_UP_LIFETIME,
            available_at=due,
        )
    )
