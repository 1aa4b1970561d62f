"""Phones that receive pushes: a patient's app or a clinic staff member's.

When a phone becomes active, `device_activated` is sent with its owner, so that work
waiting for a phone (reminders that found none) can go out now; the reminders domain
listens, devices know nothing of reminders.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import current_app
from sqlalchemy.exc import IntegrityError

from companion.channels import webpush_subscription
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid, NotFound
from companion.core.pagination import Page, paginate
from companion.core.transaction import unit_of_work
from companion.devices.models import DeactivationReason, Device, DeviceKind
from companion.extensions import db
from companion.patients.activity import mark_active
from companion.patients.models import Patient
from companion.patients.service import sessions_ended

signals = Namespace()
device_activated = signals.signal("device-activated", doc="kwargs: patient_id or clinic_id of the new owner")


@unit_of_work
def upsert_device(
    data: dict[str, Any],
    *,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    staff_name: str | None = None,
    session_id: int | None = None,
) -> tuple[Device, bool]:
    """Idempotent for its owner (200 the second time). An active phone never moves to another
    owner (409 `device_in_use`, whoever that is); it is free again once its owner removes it,
    signs out on it, or FCM reports it unregistered - then it registers as new (201), exactly
    as an identifier never seen before."""
    kind, identifier, keys = _identity(data)
    if patient_id is not None:  # registrations of one patient take turns, so the cap holds under concurrency
        db.session.execute(db.select(Patient.id).where(Patient.id == patient_id).with_for_update())
    for _ in range(2):
        try:
            with db.session.begin_nested():
                device = db.session.scalar(db.select(Device).where(Device.identifier == identifier))
                created = device is None or not device.active
                if device is None:
                    device = Device(identifier=identifier)
                    db.session.add(device)
                elif device.active and (device.patient_id, device.clinic_id) != (patient_id, clinic_id):
                    raise Conflict(
                        "This phone is registered to another account; it must be removed or signed out there first.",
                        code="device_in_use",
                    )
                device.kind, device.platform = kind, data.get("platform") or "web"
                device.p256dh, device.auth_secret = keys
                device.patient_id, device.clinic_id, device.staff_name = patient_id, clinic_id, staff_name
                device.session_id = session_id
                device.active, device.deactivated_reason, device.deactivated_at = True, None, None
                db.session.flush()
        except IntegrityError:  # registered concurrently: retry as an update
            continue
        if patient_id is not None:
            _retire_beyond_cap(patient_id, current_app.config["MAX_DEVICES_PER_PATIENT"])
            mark_active(patient_id, utcnow())
        device_activated.send(device, patient_id=patient_id, clinic_id=clinic_id)
        return device, created
    raise RuntimeError("device registration raced twice")


def _retire_beyond_cap(patient_id: int, cap: int) -> None:
    """One patient, at most `cap` active devices: the least recently registered ones are retired,
    so a reminder is never fanned out to dozens of phones."""
    extra = db.session.scalars(
        db.select(Device)
        .where(Device.patient_id == patient_id, Device.active.is_(True))
        .order_by(Device.updated_at.desc(), Device.id.desc())
        .offset(max(cap, 1))
    )
    for device in extra:
        deactivate(device, DeactivationReason.REPLACED_BY_NEWER)
    db.session.flush()


def _identity(data: dict[str, Any]) -> tuple[str, str, tuple[str | None, str | None]]:
    """(kind, identifier, subscription keys): a browser subscription is checked here, whoever calls,
    since its endpoint is a URL the dispatcher will contact."""
    if "subscription" in data:
        config = current_app.config
        try:
            subscription = webpush_subscription.parse(
                data["subscription"],
                hosts=webpush_subscription.allowed_hosts(config),
                allow_private=bool(config.get("WEBPUSH_ALLOW_PRIVATE")),
            )
        except webpush_subscription.SubscriptionRejected as error:
            raise Invalid(str(error), fields=error.fields, code="invalid_subscription") from None
        return DeviceKind.WEBPUSH, subscription.endpoint, (subscription.p256dh, subscription.auth)
    kind = DeviceKind.FID if "fid" in data else DeviceKind.TOKEN
    return kind, data[kind], (None, None)


def register_patient_device(
    patient_id: int, data: dict[str, Any], session_id: int | None = None
) -> tuple[Device, bool]:
    return upsert_device(data, patient_id=patient_id, session_id=session_id)


def register_staff_device(clinic_id: int, data: dict[str, Any]) -> tuple[Device, bool]:
    return upsert_device(data, clinic_id=clinic_id, staff_name=data.get("staff_name"))


def staff_devices(clinic_id: int, limit: int, offset: int) -> Page:
    query = db.select(Device).where(Device.clinic_id == clinic_id, Device.active.is_(True)).order_by(Device.id)
    return paginate(query, limit, offset)


@unit_of_work
def remove_device(
    device_id: int | None = None,
    *,
    identifier: str | None = None,
    patient_id: int | None = None,
    clinic_id: int | None = None,
) -> None:
    """By the device's id (identifiers stay out of URLs and access logs); by `identifier` for the
    deprecated form. Kept, not deleted: deliveries point at it."""
    owner = Device.patient_id == patient_id if patient_id is not None else Device.clinic_id == clinic_id
    which = Device.id == device_id if device_id is not None else Device.identifier == identifier
    device = db.session.scalar(db.select(Device).where(which, owner, Device.active.is_(True)))
    if device is None:
        raise NotFound("No such device.")
    deactivate(
        device, DeactivationReason.REMOVED_BY_APP if patient_id is not None else DeactivationReason.REMOVED_BY_CLINIC
    )


def deactivate(device: Device, reason: DeactivationReason) -> None:
    device.active = False
    device.deactivated_reason = reason
    device.deactivated_at = utcnow()


def free_devices_of_sessions(sender: Any, *, session_ids: list[int]) -> None:
    """Signed out on a phone (or everywhere): its devices stop receiving and become free."""
    for device in db.session.scalars(
        db.select(Device).where(Device.session_id.in_(session_ids), Device.active.is_(True))
    ):
        deactivate(device, DeactivationReason.SIGNED_OUT)


sessions_ended.connect(free_devices_of_sessions)
