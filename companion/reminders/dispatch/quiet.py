"""Late patient pushes wait for the end of the patient's quiet hours.

The timeline already places every reminder outside quiet hours; a reminder
reaches the dispatcher inside them only when it is late (a retry, a dispatcher
that was down). It then waits for the morning, or expires if its window closes
first. Clinic staff alerts never come through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from companion.core.db import among
from companion.core.localtime import QuietHours, parse_hhmm
from companion.patients.models import Patient
from companion.reminders.dispatch.claiming import ClaimedReminder, finish, write_transaction
from companion.reminders.dispatch.stats import PassStats
from companion.reminders.models import EXPIRED, PATIENT_PUSH, PENDING

_patients = Patient.__table__


def hold(
    engine: Engine, rows: list[ClaimedReminder], stats: PassStats, *, claimer: str, now: datetime
) -> list[ClaimedReminder]:
    """Give back the claimed rows inside quiet hours (pending until the morning, or expired);
    returns the rows that may go now."""
    with engine.connect() as connection:
        held = held_until(connection, rows, now)
    if not held:
        return rows
    with write_transaction(engine) as connection:
        for reminder_id, until in held.items():
            values: dict[str, Any] = {"updated_at": now}
            if until is None:
                values["status"] = EXPIRED
                stats.expired += 1
            else:
                values.update(status=PENDING, available_at=until)
                stats.held += 1
            finish(connection, claimer=claimer, ids=[reminder_id], values=values)
    return [r for r in rows if r.id not in held]


def held_until(connection: Connection, rows: Iterable[ClaimedReminder], now: datetime) -> dict[int, datetime | None]:
    """Reminder id → when its quiet hours end (None: its window closes first, so expire it)."""
    candidates = [r for r in rows if r.channel == PATIENT_PUSH and r.patient_id is not None]
    if not candidates:
        return {}
    settings = {
        row.id: row
        for row in connection.execute(
            select(_patients.c.id, _patients.c.timezone, _patients.c.quiet_start, _patients.c.quiet_end).where(
                among(connection, _patients.c.id, {r.patient_id for r in candidates})
            )
        )
    }
    held: dict[int, datetime | None] = {}
    periods: dict[tuple[str, str, str], tuple[bool, datetime | None]] = {}  # worked out once per setting
    for reminder in candidates:
        patient = settings.get(reminder.patient_id)
        if patient is None:
            continue
        key = (patient.timezone, patient.quiet_start, patient.quiet_end)
        if key not in periods:
            periods[key] = _quiet_now(*key, now)
        inside, end = periods[key]
        if inside:
            held[reminder.id] = end if end is not None and end < reminder.expires_at else None
    return held


def _quiet_now(timezone: str, start: str, end: str, now: datetime) -> tuple[bool, datetime | None]:
    """Whether `now` is inside these quiet hours, and when that period ends."""
    quiet = QuietHours(ZoneInfo(timezone), parse_hhmm(start), parse_hhmm(end))
    if not quiet.contains(now):
        return False, None
    return True, quiet.period_end(now)
