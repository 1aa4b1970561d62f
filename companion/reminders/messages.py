"""What each claimed reminder becomes: one push per active device that has not had it.

Patient pushes are neutral unless the clinic opted in to descriptive text (lock
screens are public); staff alert pushes go to the clinic's staff phones.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

from companion.clinics.models import Clinic
from companion.patients.models import Device, Patient
from companion.push import base as push
from companion.push import texts
from companion.push.models import Delivery
from companion.reminders.claiming import ClaimedReminder
from companion.reminders.models import PATIENT_PUSH, STAFF_PUSH

devices: Table = Device.__table__  # type: ignore[assignment]
deliveries: Table = Delivery.__table__  # type: ignore[assignment]
patients: Table = Patient.__table__  # type: ignore[assignment]
clinics: Table = Clinic.__table__  # type: ignore[assignment]


@dataclass
class Item:
    """A claimed reminder and the pushes it still owes (devices that already got it are skipped)."""

    reminder: ClaimedReminder
    messages: list[push.PushMessage]
    sent_before: bool


def plan(engine: Engine, rows: list[ClaimedReminder], *, channel_id: str) -> list[Item]:
    """One message per (reminder, active device) that has not already received it."""
    ids = [r.id for r in rows]
    patient_ids = {r.patient_id for r in rows if r.channel == PATIENT_PUSH and r.patient_id is not None}
    staff_clinics = {r.clinic_id for r in rows if r.channel == STAFF_PUSH}
    by_patient: dict[int, list[Any]] = defaultdict(list)
    by_clinic: dict[int, list[Any]] = defaultdict(list)
    delivered: dict[int, set[int | None]] = defaultdict(set)
    with engine.connect() as connection:
        if patient_ids:
            for device in connection.execute(
                select(devices).where(devices.c.patient_id.in_(patient_ids), devices.c.active.is_(True))
            ):
                by_patient[device.patient_id].append(device)
        if staff_clinics:
            for device in connection.execute(
                select(devices).where(
                    devices.c.clinic_id.in_(staff_clinics), devices.c.patient_id.is_(None), devices.c.active.is_(True),
                )
            ):
                by_clinic[device.clinic_id].append(device)
        locales = dict(connection.execute(
            select(patients.c.id, patients.c.locale).where(patients.c.id.in_(patient_ids))
        ).all()) if patient_ids else {}
        descriptive = dict(connection.execute(
            select(clinics.c.id, clinics.c.descriptive_push).where(clinics.c.id.in_({r.clinic_id for r in rows}))
        ).all())
        for reminder_id, device_id in connection.execute(
            select(deliveries.c.reminder_id, deliveries.c.device_id)
            .where(deliveries.c.reminder_id.in_(ids), deliveries.c.outcome == "sent")
        ):
            delivered[reminder_id].add(device_id)
    items = []
    for r in rows:
        targets = by_patient.get(r.patient_id or -1, []) if r.channel == PATIENT_PUSH else by_clinic.get(r.clinic_id, [])
        title, body = _text(r, locales.get(r.patient_id or -1), bool(descriptive.get(r.clinic_id)))
        messages = [
            _message(r, device, title, body, channel_id) for device in targets if device.id not in delivered[r.id]
        ]
        items.append(Item(r, messages, sent_before=bool(delivered[r.id])))
    return items

def _text(r: ClaimedReminder, locale: str | None, descriptive: bool) -> tuple[str, str]:
    if descriptive:
        return r.title, r.body
    return texts.neutral_text(locale, texts.STAFF if r.channel == STAFF_PUSH else texts.PATIENT)

def _message(r: ClaimedReminder, device: Any, title: str, body: str, channel_id: str) -> push.PushMessage:
    return push.PushMessage(
        reminder_id=r.id,
        device_id=device.id,
        identifier=device.identifier,
        identifier_kind=device.kind,
        platform=device.platform,
        title=title,
        body=body,
        data={"reminder_id": str(r.id), "kind": r.kind},
        priority="high" if r.priority == "high" else "normal",
        expires_at=r.expires_at,
        collapse_key=f"reminder-{r.id}",
        thread_id="clinic-alerts" if r.channel == STAFF_PUSH else "aftercare",
        channel_id=channel_id,
    )
