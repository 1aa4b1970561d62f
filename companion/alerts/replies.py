"""A check-in as the API shows it, with the alert it raised or joined: check-ins know nothing
of alerts, so the replies to the app and the clinic are put together here, on the alerts side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from companion.alerts.models import Alert, AlertCheckIn, CheckInReply
from companion.checkins import service as checkins
from companion.checkins.models import CheckIn
from companion.clinics.models import Clinic
from companion.core.pagination import Page
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.patients.models import Patient


def checkin_replies(rows: Sequence[CheckIn]) -> list[CheckInReply]:
    """Check-ins with the alert each raised or joined (one query for all of them)."""
    ids = [row.id for row in rows]
    found = (
        db.session.execute(
            select(AlertCheckIn.checkin_id, Alert)
            .join(Alert, Alert.id == AlertCheckIn.alert_id)
            .where(AlertCheckIn.checkin_id.in_(ids))
        ).all()
        if ids
        else []
    )
    alert_of: dict[int, Alert] = dict(found)
    return [CheckInReply(row, alert_of.get(row.id)) for row in rows]


def patient_checkins(patient: Patient) -> list[CheckInReply]:
    return checkin_replies(checkins.patient_checkins(patient))


def clinic_patient_checkins(clinic: Clinic, patient_id: int) -> list[CheckInReply]:
    return checkin_replies(checkins.clinic_patient_checkins(clinic, patient_id))


def _with_alerts(page: Page) -> Page:
    return Page(items=checkin_replies(page["items"]), total=page["total"], limit=page["limit"], offset=page["offset"])


def patient_checkins_page(patient: Patient, limit: int, offset: int) -> Page:
    return _with_alerts(checkins.patient_checkins_page(patient, limit, offset))


def clinic_patient_checkins_page(clinic: Clinic, patient_id: int, limit: int, offset: int) -> Page:
    return _with_alerts(checkins.clinic_patient_checkins_page(clinic, patient_id, limit, offset))


@unit_of_work
def submit_checkin(patient: Patient, data: dict[str, Any], key: str | None = None) -> tuple[CheckInReply, bool]:
    """The check-in and the alert it raised or joined, read in the check-in's own transaction;
    `replayed` when a retry with the same Idempotency-Key found the first check-in."""
    checkin, replayed = checkins.submit_checkin(patient, data, key)
    return checkin_replies([checkin])[0], replayed
