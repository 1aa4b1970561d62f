"""A clinic's own settings and its staff's phones (for alert pushes)."""
from __future__ import annotations

import secrets
from typing import Any

from companion.clinics.models import Clinic
from companion.core.errors import NotFound
from companion.extensions import db
from companion.patients.devices import deactivate, upsert_device
from companion.patients.models import Device


def update_clinic(clinic: Clinic, data: dict[str, Any]) -> Clinic:
    for name in ("name", "descriptive_push", "webhook_url"):
        if name in data:
            setattr(clinic, name, data[name])
    if clinic.webhook_url and not clinic.webhook_secret:
        return rotate_webhook_secret(clinic)
    db.session.commit()
    return clinic


def rotate_webhook_secret(clinic: Clinic) -> Clinic:
    clinic.webhook_secret = secrets.token_hex(32)
    db.session.commit()
    clinic.shown_secret = clinic.webhook_secret  # type: ignore[attr-defined]  # in this response only
    return clinic


def staff_devices(clinic: Clinic) -> list[Device]:
    return list(db.session.scalars(
        db.select(Device).where(Device.clinic_id == clinic.id, Device.active.is_(True)).order_by(Device.id)
    ))


def register_staff_device(clinic: Clinic, data: dict[str, Any]) -> tuple[Device, bool]:
    return upsert_device(data, clinic_id=clinic.id, staff_name=data.get("staff_name"))


def remove_staff_device(clinic: Clinic, identifier: str) -> None:
    device = db.session.scalar(
        db.select(Device).where(Device.identifier == identifier, Device.clinic_id == clinic.id, Device.active.is_(True))
    )
    if device is None:
        raise NotFound("No such device.")
    deactivate(device, "removed_by_clinic")
    db.session.commit()
