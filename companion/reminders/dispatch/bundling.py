"""One push at a time: a patient's reminders falling due close together wait for each other.

When a patient's reminder is due and more of theirs fall due within the window after
the earliest of them, the due ones go back to pending until the last of those is due,
so the next pass claims them all together and they leave as one push. The hold is
bounded: never past the earliest due time plus the window, and never past a
reminder's own expiry (that one goes now, alone if need be).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from companion.core.db import among
from companion.reminders.dispatch.claiming import IS_PENDING, ClaimedReminder, c, finish, write_transaction
from companion.reminders.dispatch.stats import PassStats
from companion.reminders.models import PATIENT_PUSH, PENDING

# A held reminder must still have this long to live when its bundle goes out.
_MARGIN = timedelta(seconds=30)


def hold(
    engine: Engine,
    rows: list[ClaimedReminder],
    stats: PassStats,
    *,
    claimer: str,
    now: datetime,
    window: timedelta,
) -> list[ClaimedReminder]:
    """Give back the due rows that wait for the patient's next ones; returns the rows that go now."""
    if not window:
        return rows
    with engine.connect() as connection:
        held = held_until(connection, rows, now=now, window=window)
    if not held:
        return rows
    with write_transaction(engine) as connection:
        for until, ids in by_time(held).items():
            values = {"status": PENDING, "available_at": until, "updated_at": now}
            stats.held += len(finish(connection, claimer=claimer, ids=ids, values=values))
    return [r for r in rows if r.id not in held]


def plan_holds(
    groups: Mapping[int, list[ClaimedReminder]],
    upcoming: Mapping[int, datetime],
    *,
    now: datetime,
    window: timedelta,
) -> dict[int, datetime]:
    """Pure: reminder id -> when to send it, for the due reminders that should wait.

    `upcoming`: per patient, the latest due time of their pending reminders in (now, now + window].
    """
    held: dict[int, datetime] = {}
    for patient_id, group in groups.items():
        later = upcoming.get(patient_id)
        if later is None:
            continue
        deadline = min(r.due_at for r in group) + window
        if later > deadline or later <= now:
            continue
        for r in group:
            if r.expires_at - _MARGIN > later:
                held[r.id] = later
    return held


def held_until(
    connection: Connection,
    rows: Iterable[ClaimedReminder],
    *,
    now: datetime,
    window: timedelta,
) -> dict[int, datetime]:
    groups: dict[int, list[ClaimedReminder]] = defaultdict(list)
    for r in rows:
        if r.channel == PATIENT_PUSH and r.patient_id is not None:
            groups[r.patient_id].append(r)
    if not groups:
        return {}
    upcoming = dict(
        connection.execute(
            select(c.patient_id, func.max(c.available_at))
            .where(
                IS_PENDING,
                c.channel == PATIENT_PUSH,
                among(connection, c.patient_id, groups),
                c.available_at > now,
                c.available_at <= now + window,
                c.expires_at > c.available_at,
            )
            .group_by(c.patient_id)
        ).all()
    )
    return plan_holds(groups, upcoming, now=now, window=window)


def by_time(held: Mapping[int, datetime]) -> dict[datetime, list[int]]:
    grouped: dict[datetime, list[int]] = defaultdict(list)
    for reminder_id, until in held.items():
        grouped[until].append(reminder_id)
    return grouped
