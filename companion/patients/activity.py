"""A patient's last activity, the order of the console's patient list.

Activity is the latest of: enrollment, a session performed, a check-in, a sign-in (code or
link), a phone or browser registered, and the app in use (seen at most every 12 hours, with
the sign-in's sliding expiry). It is kept on the patient row, so the list reads one index
instead of the latest row of four tables per patient."""

from __future__ import annotations

from datetime import datetime

from companion.extensions import db
from companion.patients.models import Patient


def mark_active(patient_id: int, at: datetime) -> None:
    """Move the patient's last activity to `at` if that is later; an older event changes nothing."""
    db.session.execute(
        db.update(Patient)
        .where(Patient.id == patient_id, Patient.last_activity_at < at)
        # Activity is no edit of the patient's details: their `updated_at` stays as it was.
        .values(last_activity_at=at, updated_at=Patient.updated_at)
        .execution_options(synchronize_session=False)
    )
