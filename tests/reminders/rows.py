"""Rows for dispatcher tests, written straight through the models (the API is not under test)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from companion.channels.models import Delivery
from companion.clinics.models import Clinic
from companion.core.clock import clock
from companion.devices.models import Device
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders.models import PATIENT_PUSH, PENDING, STAFF_PUSH, Reminder

_serial = itertools.count(1)


def clinic(*, descriptive: bool = False, name: str = "Clinic") -> Clinic:
    row = Clinic(name=name, descriptive_push=descriptive)
    db.session.add(row)
    db.session.commit()
    return row


def patient(
    owner: Clinic,
    *,
    locale: str = "en",
    timezone: str = "Europe/Madrid",
    quiet: tuple[str, str] = ("00:00", "00:00"),
) -> Patient:
    """No quiet hours unless asked: dispatch tests must not depend on the time of day they run."""
    row = Patient(
        clinic_id=owner.id,
        display_name=f"Patient {next(_serial)}",
        timezone=timezone,
        locale=locale,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
    )
    db.session.add(row)
    db.session.commit()
    return row


def device(
    *,
    of: Patient | None = None,
    staff_of: Clinic | None = None,
    kind: str = "fid",
    platform: str = "android",
    active: bool = True,
    identifier: str | None = None,
) -> Device:
    row = Device(
        identifier=identifier or f"{kind}-{next(_serial)}-{'x' * 20}",
        kind=kind,
        platform=platform,
        patient_id=of.id if of else None,
        clinic_id=staff_of.id if staff_of else None,
        staff_name="Nurse" if staff_of else None,
        active=active,
    )
    db.session.add(row)
    db.session.commit()
    return row


def reminder(
    to: Patient | None = None,
    *,
    clinic_of: Clinic | None = None,
    channel: str = PATIENT_PUSH,
    due_in: timedelta = timedelta(minutes=-1),
    lasts: timedelta = timedelta(hours=2),
    now: datetime | None = None,
    **fields: Any,
) -> Reminder:
    """A reminder due `due_in` from now (negative: already due), useless `lasts` after."""
    now = now or clock.now()
    due = now + due_in
    clinic_id = clinic_of.id if clinic_of else to.clinic_id  # type: ignore[union-attr]
    values: dict[str, Any] = dict(
        channel=channel,
        clinic_id=clinic_id,
        patient_id=to.id if to and channel == PATIENT_PUSH else None,
        kind="avoid_makeup",
        title="No makeup today",
        body="Keep makeup off until tomorrow morning.",
        priority="normal",
        payload={},
        due_at=due,
        expires_at=due + lasts,
        available_at=due,
        status=PENDING,
    )
    values.update(fields)
    row = Reminder(**values)
    db.session.add(row)
    db.session.commit()
    return row


def staff_alert(owner: Clinic, **fields: Any) -> Reminder:
    return reminder(clinic_of=owner, channel=STAFF_PUSH, kind="triage_alert", priority="high", **fields)


def many_due(
    count: int, *, patients: int = 20, now: datetime | None = None, lasts: timedelta = timedelta(hours=1)
) -> list[int]:
    """`count` due reminders spread over `patients` patients with one device each, inserted in bulk."""
    now = now or clock.now()
    owner = clinic()
    people = [patient(owner) for _ in range(patients)]
    for person in people:
        device(of=person)
    rows = [
        dict(
            channel=PATIENT_PUSH,
            clinic_id=owner.id,
            patient_id=people[i % patients].id,
            kind="hydrate",
            title="Hydrate",
            body="Moisturise now.",
            priority="normal",
            payload={},
            due_at=now - timedelta(seconds=1),
            expires_at=now + lasts,
            available_at=now - timedelta(seconds=1),
            status=PENDING,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]
    with db.engine.begin() as connection:
        connection.execute(insert(Reminder.__table__), rows)
        ids = connection.execute(select(Reminder.id).order_by(Reminder.id)).scalars().all()
    return list(ids)


def fresh(model: type, ident: Any) -> Any:
    """The row as committed now, not as this session last saw it."""
    _end_snapshot()
    return _done_reading(db.session.get(model, ident))


def sent_counts() -> dict[int, int]:
    """Deliveries with outcome `sent` per reminder."""
    _end_snapshot()
    query = select(Delivery.reminder_id, func.count()).where(Delivery.outcome == "sent").group_by(Delivery.reminder_id)
    return _done_reading(dict(db.session.execute(query).all()))


def deliveries(reminder_id: int) -> list[Delivery]:
    _end_snapshot()
    query = select(Delivery).where(Delivery.reminder_id == reminder_id).order_by(Delivery.id)
    return _done_reading(list(db.session.scalars(query)))


def statuses() -> dict[str, int]:
    _end_snapshot()
    query = select(Reminder.status, func.count()).group_by(Reminder.status)
    return _done_reading(dict(db.session.execute(query).all()))


def _end_snapshot() -> None:
    """Start a new read: a session transaction keeps seeing the database as it first read it."""
    db.session.rollback()
    db.session.expire_all()


def _done_reading(result: Any) -> Any:
    """End the read transaction at once (objects stay loaded): on SQLite a write that later
    follows a read in the same transaction fails instead of waiting when a dispatcher
    subprocess wrote in between."""
    db.session.commit()
    return result
