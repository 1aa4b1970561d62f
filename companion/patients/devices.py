"""Phones that receive a patient's reminders."""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from companion.core.clock import utcnow
from companion.core.errors import NotFound
from companion.extensions import db
from companion.patients.models import Device, Patient
from companion.reminders.models import PATIENT_PUSH, PENDING, STAFF_PUSH, UNDELIVERABLE, Reminder


def upsert_device(data: dict[str, Any], *, patient_id: int | None = None, clinic_id: int | None = None,
                  staff_name: str | None = None) -> tuple[Device, bool]:
    """Idempotent: the same identifier again is the same device; an identifier that
    belonged to someone else moves to this owner (the phone changed hands or re-enrolled)."""
    kind = "fid" if "fid" in data else "token"
    for _ in range(2):
        device = db.session.scalar(db.select(Device).where(Device.identifier == data[kind]))
        created = device is None
        if created:
            device = Device(identifier=data[kind])
            db.session.add(device)
        device.kind, device.platform = kind, data["platform"]
        device.patient_id, device.clinic_id, device.staff_name = patient_id, clinic_id, staff_name
        device.active, device.deactivated_reason, device.deactivated_at = True, None, None
        if patient_id is not None:
            revive_undeliverable(PATIENT_PUSH, patient_id=patient_id)
        else:
            revive_undeliverable(STAFF_PUSH, clinic_id=clinic_id)
        try:
            db.session.commit()
            return device, created
        except IntegrityError:  # registered concurrently: retry as an update
            db.session.rollback()
    raise RuntimeError("device registration raced twice")


def register_device(patient: Patient, data: dict[str, Any]) -> tuple[Device, bool]:
    return upsert_device(data, patient_id=patient.id)


def remove_device(patient: Patient, identifier: str) -> None:
    device = db.session.scalar(
        db.select(Device).where(
            Device.identifier == identifier, Device.patient_id == patient.id, Device.active.is_(True)
        )
    )
    if device is None:
        raise NotFound("No such device.")
    deactivate(device, "removed_by_app")  # kept, not deleted: deliveries point at it
    db.session.commit()


def revive_undeliverable(channel: str, *, patient_id: int | None = None, clinic_id: int | None = None) -> None:
    """A phone arrived after reminders found none: those still worth sending go out now.

    The common case: the clinic records the session before the app has signed in.
    """
    now = utcnow()
    owner = Reminder.patient_id == patient_id if patient_id is not None else Reminder.clinic_id == clinic_id
    db.session.execute(
        db.update(Reminder)
        .where(owner, Reminder.channel == channel, Reminder.status == UNDELIVERABLE, Reminder.expires_at > now)
        .values(status=PENDING, available_at=now, updated_at=now)
    )


def deactivate(device: Device, reason: str) -> None:
    device.active = False
    device.deactivated_reason = reason
    device.deactivated_at = utcnow()
