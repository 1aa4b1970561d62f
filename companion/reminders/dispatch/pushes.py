"""What claimed reminders become: one push per active device that has not had them.

A patient's reminders claimed together (due within the bundling window) go out as
ONE push per device, its `data` naming every reminder id; each reminder still gets
its own delivery record and state. Staff alert pushes are never bundled. Patient
pushes are neutral unless the clinic opted in to descriptive text (lock screens are
public); staff alert pushes go to the clinic's staff phones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, Table, select

from companion.channels import base as push
from companion.channels import texts
from companion.channels.models import Delivery
from companion.clinics.models import Clinic
from companion.core.db import among
from companion.devices.models import Device
from companion.patients.models import Patient
from companion.reminders.dispatch import fallback
from companion.reminders.dispatch.claiming import ClaimedReminder
from companion.reminders.models import CLAIMED, PATIENT_PUSH, STAFF_PUSH, Reminder

devices: Table = Device.__table__
deliveries: Table = Delivery.__table__
patients: Table = Patient.__table__
clinics: Table = Clinic.__table__
reminders: Table = Reminder.__table__
DEVICE_COLUMNS = (
    devices.c.id,
    devices.c.patient_id,
    devices.c.clinic_id,
    devices.c.identifier,
    devices.c.kind,
    devices.c.platform,
    devices.c.p256dh,
    devices.c.auth_secret,
)


@dataclass
class Outgoing:
    """Claimed reminders sent together and the pushes they still owe (devices that already
    got a reminder are not sent it again). One reminder, or one patient's bundle."""

    reminders: list[ClaimedReminder]
    messages: list[push.PushMessage]
    sent_before: dict[int, bool]


# FCM data payloads are limited to 4 KB: a larger backlog leaves in several pushes.
MAX_BUNDLE = 25


def plan(
    engine: Engine,
    rows: list[ClaimedReminder],
    *,
    channel_id: str,
    window: timedelta = timedelta(0),
    links: fallback.Links | None = None,
) -> list[Outgoing]:
    """One message per (reminder, active device) that has not already received it; with `links`,
    a patient with no active device gets one SMS or e-mail instead (fallback.py)."""
    ids = [r.id for r in rows]
    patient_ids = {r.patient_id for r in rows if r.channel == PATIENT_PUSH and r.patient_id is not None}
    staff_clinics = {r.clinic_id for r in rows if r.channel == STAFF_PUSH}
    by_patient: dict[int, list[Any]] = defaultdict(list)
    by_clinic: dict[int, list[Any]] = defaultdict(list)
    delivered: dict[int, set[int | None]] = defaultdict(set)
    with engine.connect() as connection:
        # Read last, right before sending: a row erased or cancelled since the claim owes nothing.
        still_claimed = set(
            connection.execute(
                select(reminders.c.id).where(among(connection, reminders.c.id, ids), reminders.c.status == CLAIMED)
            ).scalars()
        )
        if patient_ids:
            for device in connection.execute(
                select(*DEVICE_COLUMNS).where(
                    among(connection, devices.c.patient_id, patient_ids), devices.c.active.is_(True)
                )
            ):
                by_patient[device.patient_id].append(device)
        if staff_clinics:
            for device in connection.execute(
                select(*DEVICE_COLUMNS).where(
                    among(connection, devices.c.clinic_id, staff_clinics),
                    devices.c.patient_id.is_(None),
                    devices.c.active.is_(True),
                )
            ):
                by_clinic[device.clinic_id].append(device)
        locales = (
            dict(
                connection.execute(
                    select(patients.c.id, patients.c.locale).where(among(connection, patients.c.id, patient_ids))
                ).all()
            )
            if patient_ids
            else {}
        )
        descriptive = dict(
            connection.execute(
                select(clinics.c.id, clinics.c.descriptive_push).where(
                    among(connection, clinics.c.id, {r.clinic_id for r in rows})
                )
            ).all()
        )
        for reminder_id, device_id in connection.execute(
            select(deliveries.c.reminder_id, deliveries.c.device_id).where(
                among(connection, deliveries.c.reminder_id, ids), deliveries.c.outcome == "sent"
            )
        ):
            delivered[reminder_id].add(device_id)
        # Only patients with no active device are looked up: the common case costs no query.
        reach = fallback.reach(connection, patient_ids - set(by_patient)) if links is not None else {}
    items = []
    bundles: dict[int, list[ClaimedReminder]] = defaultdict(list)
    for r in rows:
        if r.channel == PATIENT_PUSH and r.patient_id is not None:
            bundles[r.patient_id].append(r)
            continue
        targets = by_clinic.get(r.clinic_id, []) if r.channel == STAFF_PUSH else []
        title, body = _text(r, None, bool(descriptive.get(r.clinic_id)))
        messages = [
            _message([r], device, title, body, channel_id)
            for device in targets
            if device.id not in delivered[r.id] and r.id in still_claimed
        ]
        items.append(Outgoing([r], messages, {r.id: bool(delivered[r.id])}))
    for patient_id, group in (
        (patient_id, group) for patient_id, due in bundles.items() for group in _bundles(due, window)
    ):
        locale, clear = locales.get(patient_id), bool(descriptive.get(group[0].clinic_id))
        messages = []
        for device in by_patient.get(patient_id, []):
            owed = [r for r in group if device.id not in delivered[r.id] and r.id in still_claimed]
            if owed:
                title, body = _text(owed[0], locale, clear) if len(owed) == 1 else _bundle_text(owed, locale, clear)
                messages.append(_message(owed, device, title, body, channel_id))
        owed = [r for r in group if not delivered[r.id] and r.id in still_claimed]
        if links is not None and patient_id in reach and owed and patient_id not in by_patient:
            messages.append(fallback.message(owed, patient_id, reach[patient_id], links))
        sent = {r.id: bool(delivered[r.id]) for r in group}
        items.append(Outgoing(group, messages, sent))
    return items


def _bundles(due: list[ClaimedReminder], window: timedelta) -> list[list[ClaimedReminder]]:
    """Consecutive reminders due within `window` of the first of their bundle, at most MAX_BUNDLE each."""
    groups: list[list[ClaimedReminder]] = []
    for r in sorted(due, key=lambda r: (r.due_at, r.id)):
        current = groups[-1] if groups else None
        if current and window and len(current) < MAX_BUNDLE and r.due_at - current[0].due_at <= window:
            current.append(r)
        else:
            groups.append([r])
    return groups


def _bundle_text(group: list[ClaimedReminder], locale: str | None, descriptive: bool) -> tuple[str, str]:
    title, body = texts.bundle_text(locale, len(group))
    if descriptive:
        body = "; ".join(r.title for r in group)
    return title, body


def _text(r: ClaimedReminder, locale: str | None, descriptive: bool) -> tuple[str, str]:
    if descriptive:
        return r.title, r.body
    return texts.neutral_text(locale, texts.STAFF if r.channel == STAFF_PUSH else texts.PATIENT)


def _message(group: list[ClaimedReminder], device: Any, title: str, body: str, channel_id: str) -> push.PushMessage:
    first = group[0]
    if len(group) == 1:
        data = {"reminder_id": str(first.id), "kind": first.kind}
        collapse = f"reminder-{first.id}"
    else:
        ids = ",".join(str(r.id) for r in group)
        data = {"reminder_id": str(first.id), "reminder_ids": ids, "count": str(len(group)), "kind": "bundle"}
        collapse = f"reminders-{ids}"[:64]
    return push.PushMessage(
        reminder_id=first.id,
        reminder_ids=tuple(r.id for r in group),
        device_id=device.id,
        identifier=device.identifier,
        identifier_kind=device.kind,
        platform=device.platform,
        title=title,
        body=body,
        data=data,
        priority="high" if any(r.priority == "high" for r in group) else "normal",
        expires_at=max(r.expires_at for r in group),
        collapse_key=collapse,
        thread_id="clinic-alerts" if first.channel == STAFF_PUSH else "aftercare",
        channel_id=channel_id,
        keys=(device.p256dh, device.auth_secret) if device.p256dh and device.auth_secret else None,
    )
