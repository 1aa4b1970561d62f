"""A patient's own reminders: the details behind a push, acknowledging them, and
sending those that found no phone once one registers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from companion.channels.models import Delivery
from companion.core.clock import utcnow
from companion.core.errors import NotFound
from companion.core.transaction import commit_on_its_own, unit_of_work
from companion.devices.models import Device
from companion.devices.service import device_activated
from companion.extensions import db
from companion.patients.categories import MUTED, muted
from companion.patients.models import Patient
from companion.reminders.models import (
    PATIENT_PUSH,
    PENDING,
    PLANNED_STATES,
    SKIPPED,
    STAFF_PUSH,
    SUPERSEDED,
    UNDELIVERABLE,
    Reminder,
)


def reminder_for(patient: Patient, reminder_id: int) -> Reminder:
    """Pushes carry only the id (lock screens are public); the app reads the text here."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.patient_id != patient.id or reminder.channel != PATIENT_PUSH:
        raise NotFound("No such reminder.")
    return reminder


def open_reminder(patient: Patient, reminder_id: int) -> Reminder:
    """The app reading the text behind a push is the patient opening it: the first time is kept
    (a read's bookkeeping write, committed on its own)."""
    reminder = reminder_for(patient, reminder_id)
    if reminder.opened_at is None:
        now = utcnow()
        commit_on_its_own(
            lambda: db.session.execute(
                db.update(Reminder)
                .where(Reminder.id == reminder.id, Reminder.opened_at.is_(None))
                .values(opened_at=now, fallback_due_at=None)  # seen: no SMS or e-mail owed
            )
        )
        db.session.refresh(reminder)
    return reminder


@unit_of_work
def acknowledge(patient: Patient, reminder_id: int) -> Reminder:
    reminder = reminder_for(patient, reminder_id)
    now = utcnow()
    if reminder.acknowledged_at is None:
        reminder.acknowledged_at = now
    if reminder.opened_at is None:  # acknowledged from the notification itself
        reminder.opened_at = now
    reminder.fallback_due_at = None
    return reminder


def revive_undeliverable(_device: Any, *, patient_id: int | None = None, clinic_id: int | None = None) -> None:
    """A phone arrived after reminders found none: those still worth sending go out now.

    The common case: the clinic records the session before the app has signed in.
    Runs inside the device registration's transaction (a `device_activated` receiver).
    """
    now = utcnow()
    if patient_id is not None:
        owner, channel = Reminder.patient_id == patient_id, PATIENT_PUSH
    else:
        owner, channel = Reminder.clinic_id == clinic_id, STAFF_PUSH
    db.session.execute(
        db.update(Reminder)
        .where(owner, Reminder.channel == channel, Reminder.status == UNDELIVERABLE, Reminder.expires_at > now)
        .values(status=PENDING, available_at=now, updated_at=now)
    )


def connect_signals() -> None:
    device_activated.connect(revive_undeliverable)


def deliveries_of(reminder_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each reminder's attempts, newest first, naming the phone only by the end of its id."""
    grouped: dict[int, list[dict[str, Any]]] = {rid: [] for rid in reminder_ids}
    if not reminder_ids:
        return grouped
    rows = db.session.execute(
        db.select(
            Delivery.reminder_id,
            Delivery.outcome,
            Delivery.channel,
            Delivery.created_at,
            Device.identifier,
            Device.platform,
        )
        .outerjoin(Device, Delivery.device_id == Device.id)
        .where(Delivery.reminder_id.in_(reminder_ids))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
    )
    for row in rows:
        grouped[row.reminder_id].append(
            {
                "outcome": row.outcome,
                "channel": row.channel,
                "at": row.created_at,
                "platform": row.platform,
                "device": f"…{row.identifier[-6:]}" if row.identifier else None,
            }
        )
    return grouped


def supersede(reminder_ids: list[int], now: datetime) -> None:
    """Rows a newer plan replaced: kept for audit, hidden from the timeline, never sent.

    A claimed row may be in flight: superseding it makes the dispatcher's finish a lost claim.
    """
    if not reminder_ids:
        return
    db.session.execute(
        db.update(Reminder)
        .where(Reminder.id.in_(reminder_ids), Reminder.status.in_(PLANNED_STATES))
        .values(status=SUPERSEDED, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


class PlannedRow(Protocol):
    """One new reminder, as the planners return it (or as an alert makes it, due now)."""

    @property
    def plan_key(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def must_see(self) -> bool: ...


@dataclass(frozen=True)
class NewReminder:
    """A reminder no planner placed: due when stated (an alert for staff is due at once)."""

    kind: str
    title: str
    body: str
    due_at: datetime
    expires_at: datetime
    priority: str = "normal"
    plan_key: str | None = None
    category: str | None = None
    must_see: bool = False


def add_reminders(
    items: Sequence[PlannedRow],
    *,
    clinic_id: int,
    patient_id: int | None,
    channel: str = PATIENT_PUSH,
    treatment_id: int | None = None,
    alert_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """The one way outbox rows are written: in one executemany INSERT, in the given order
    (ids ascend with it). Times come as the planner placed them (quiet hours are applied
    there, once: `treatments.drafting.Placer`); rows the caller refers to must be flushed.

    Recording a session writes some forty rows: one ORM object and identity-map entry
    per row was most of the request's time. Nothing reads them back within the request
    but the timeline relationship, which the planners expire.

    A reminder of a category the patient muted is written as skipped, so the clinic and
    the patient see what was left out and unmuting can bring it back.
    """
    if not items:
        return
    patient = db.session.get(Patient, patient_id) if patient_id is not None and channel == PATIENT_PUSH else None
    off = muted(patient.message_categories) if patient is not None else frozenset()
    db.session.execute(
        db.insert(Reminder.__table__),
        [
            {
                "channel": channel,
                "clinic_id": clinic_id,
                "patient_id": patient_id,
                "treatment_id": treatment_id,
                "alert_id": alert_id,
                "kind": item.kind,
                "plan_key": item.plan_key,
                "title": item.title,
                "body": item.body,
                "priority": item.priority,
                "payload": dict(payload or {}),
                "due_at": item.due_at,
                "expires_at": item.expires_at,
                "available_at": item.due_at,
                "category": item.category,
                "must_see": item.must_see,
                # Every row names the same columns: one executemany statement takes the first row's.
                "status": SKIPPED if item.category in off else PENDING,
                "skip_reason": MUTED if item.category in off else None,
            }
            for item in items
        ],
    )


def apply_categories(patient: Patient, now: datetime) -> None:
    """The patient changed which categories they receive: their future reminders follow.

    Pending rows of a muted category become skipped; rows skipped as muted whose category
    is on again become pending, if still due in the future and not expired. Claimed rows
    are in flight and left to finish. Runs in the caller's transaction."""
    off = muted(patient.message_categories)
    mine = (Reminder.patient_id == patient.id, Reminder.channel == PATIENT_PUSH)
    db.session.execute(
        db.update(Reminder)
        .where(*mine, Reminder.status == PENDING, Reminder.category.in_(off))
        .values(status=SKIPPED, skip_reason=MUTED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        db.update(Reminder)
        .where(
            *mine,
            Reminder.status == SKIPPED,
            Reminder.skip_reason == MUTED,
            Reminder.category.not_in(off),
            Reminder.due_at > now,
            Reminder.expires_at > now,
        )
        .values(status=PENDING, skip_reason=None, available_at=Reminder.due_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
