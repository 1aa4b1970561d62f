"""A patient's rights over their data: see all of it (export), have it erased.

It spans every domain, so it sits above them; the domains stay unaware of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion.alerts import replies
from companion.alerts.models import Alert, AlertCheckIn
from companion.audit import service as audit
from companion.audit.models import PATIENT as PATIENT_SESSION
from companion.channels.models import Delivery
from companion.checkins.models import CheckIn
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.errors import NotFound
from companion.core.pagination import Page
from companion.core.transaction import unit_of_work
from companion.courses.models import Appointment
from companion.devices.models import Device
from companion.extensions import db
from companion.patients import service as patients
from companion.patients.models import EnrollmentCode, Patient, PatientToken, SignInLink
from companion.reminders import service as reminders
from companion.reminders.models import Reminder
from companion.treatments.models import Restriction, Treatment

ERASED = "patient erased"


def _mask(identifier: str) -> str:
    return f"…{identifier[-6:]}"


def export_patient(clinic: Clinic, patient_id: int) -> dict[str, Any]:
    return export_document(patients.get_patient(clinic, patient_id))


def own_export(patient: Patient) -> dict[str, Any]:
    """The patient's own copy: the clinic's internal resolution notes and the addresses its
    staff and integrations worked from are the clinic's records, not the patient's data."""
    document = export_document(patient)
    document["alerts"] = [_without(alert, "resolution_note") for alert in document["alerts"]]
    document["audit"] = [
        entry if entry.actor_kind == PATIENT_SESSION else _without(entry, "address") for entry in document["audit"]
    ]
    return document


class _Blanked:
    """A row as its patient's own export shows it: one field null (the document keeps its shape),
    every other field, properties included, read from the row."""

    def __init__(self, row: Any, name: str) -> None:
        self._row, self._name = row, name

    def __getattr__(self, attr: str) -> Any:
        return None if attr == self._name else getattr(self._row, attr)


def _without(row: Any, name: str) -> _Blanked:
    return _Blanked(row, name)


def export_document(patient: Patient) -> dict[str, Any]:
    """Everything held about the patient, as one document (the reading is audited by the caller)."""
    pid = patient.id
    treatments = list(
        db.session.scalars(
            db.select(Treatment).where(Treatment.patient_id == pid).order_by(Treatment.performed_at, Treatment.id)
        )
    )
    rows = list(db.session.scalars(db.select(Reminder).where(Reminder.patient_id == pid).order_by(Reminder.id)))
    deliveries = reminders.deliveries_of([r.id for r in rows])
    devices = db.session.scalars(db.select(Device).where(Device.patient_id == pid).order_by(Device.id))
    return {
        "exported_at": utcnow(),
        "patient": patient,
        "treatments": treatments,
        "reminders": [{**_reminder(r), "deliveries": deliveries[r.id]} for r in rows],
        "devices": [
            {
                "id": d.id,
                "identifier": _mask(d.identifier),
                "kind": d.kind,
                "platform": d.platform,
                "active": d.active,
                "created_at": d.created_at,
            }
            for d in devices
        ],
        "checkins": replies.checkin_replies(
            list(db.session.scalars(db.select(CheckIn).where(CheckIn.patient_id == pid).order_by(CheckIn.id)))
        ),
        "alerts": list(db.session.scalars(db.select(Alert).where(Alert.patient_id == pid).order_by(Alert.id))),
        "appointments": list(
            db.session.scalars(
                db.select(Appointment)
                .where(Appointment.patient_id == pid)
                .order_by(Appointment.starts_at, Appointment.id)
            )
        ),
        "audit": audit.entries_about(patient.clinic_id, pid),
    }


def _reminder(r: Reminder) -> dict[str, Any]:
    names = (
        "id",
        "treatment_id",
        "channel",
        "kind",
        "title",
        "body",
        "due_at",
        "expires_at",
        "state",
        "sent_at",
        "acknowledged_at",
        "category",
        "must_see",
        "skip_reason",
    )
    return {name: getattr(r, name, None) for name in names}


@unit_of_work
def erase_patient(clinic: Clinic, patient_id: int) -> None:
    """Everything about the patient is deleted in one transaction; the audit keeps ids only.

    Reminders go first: a dispatcher that already claimed one finds it gone when it plans
    the send (nothing is pushed) and when it finishes (a lost claim, left alone).
    """
    pid = patients.get_patient(clinic, patient_id).id
    reminder_ids = db.select(Reminder.id).where(Reminder.patient_id == pid).scalar_subquery()
    treatment_ids = db.select(Treatment.id).where(Treatment.patient_id == pid).scalar_subquery()
    alert_ids = db.select(Alert.id).where(Alert.patient_id == pid).scalar_subquery()
    for statement in (
        db.delete(Delivery).where(Delivery.reminder_id.in_(reminder_ids)),
        db.delete(Reminder).where(Reminder.patient_id == pid),
        db.delete(AlertCheckIn).where(AlertCheckIn.alert_id.in_(alert_ids)),
        db.delete(Alert).where(Alert.patient_id == pid),
        db.delete(Appointment).where(Appointment.patient_id == pid),
        db.delete(CheckIn).where(CheckIn.patient_id == pid),
        db.delete(Restriction).where(Restriction.treatment_id.in_(treatment_ids)),
        db.delete(Treatment).where(Treatment.patient_id == pid),
        db.delete(Device).where(Device.patient_id == pid),
        db.delete(PatientToken).where(PatientToken.patient_id == pid),
        db.delete(EnrollmentCode).where(EnrollmentCode.patient_id == pid),
        db.delete(SignInLink).where(SignInLink.patient_id == pid),
        db.delete(Patient).where(Patient.id == pid),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.expire_all()
    audit.record(pid, ERASED)


def audit_log(clinic: Clinic, *, patient_id: int | None, since: datetime | None, limit: int, offset: int) -> Page:
    """Your clinic's entries; a patient id that is neither yours nor in your audit is 404
    (an erased patient's entries stay readable)."""
    if patient_id is not None:
        patient = db.session.get(Patient, patient_id)
        mine = patient is not None and patient.clinic_id == clinic.id
        if not mine and not audit.has_entries(clinic.id, patient_id):
            raise NotFound("No such patient.")
    return audit.list_entries(clinic.id, patient_id=patient_id, since=since, limit=limit, offset=offset)
