"""Claiming due reminder rows with a lease, safely from any number of dispatchers.

PostgreSQL: `WITH due AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED) UPDATE … FROM due`,
so concurrent claimers skip each other's rows instead of waiting. SQLite has no SKIP LOCKED
(SQLAlchemy drops `with_for_update()` there): `BEGIN IMMEDIATE` takes the write
lock first, so two claimers queue rather than both reading the same rows.
Only the holder of a claim may finish a row; a lost claim is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, literal_column, select, update

from companion.core.db import among
from companion.reminders.models import CLAIMED, EXPIRED, PENDING, Reminder

log = logging.getLogger("companion.reminders.dispatch.claiming")

reminders: Table = Reminder.__table__
c = reminders.c

# Literal states, not bound parameters: only then do the planners (PostgreSQL's
# generic plans, SQLite always) match the partial indexes on `status = '…'`.
IS_PENDING = c.status == literal_column(f"'{PENDING}'")
IS_CLAIMED = c.status == literal_column(f"'{CLAIMED}'")


@dataclass(frozen=True)
class ClaimedReminder:
    id: int
    channel: str
    clinic_id: int
    patient_id: int | None
    alert_id: int | None
    kind: str
    title: str
    body: str
    priority: str
    payload: dict[str, Any]
    due_at: datetime
    expires_at: datetime
    attempts: int
    must_see: bool = False


CLAIM_COLUMNS = (
    c.id,
    c.channel,
    c.clinic_id,
    c.patient_id,
    c.alert_id,
    c.kind,
    c.title,
    c.body,
    c.priority,
    c.payload,
    c.due_at,
    c.expires_at,
    c.attempts,
    c.must_see,
)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes; on SQLite it takes the write lock at BEGIN.

    A deferred SQLite transaction that reads first and writes later fails with
    SQLITE_BUSY instead of waiting when another writer got in between.
    """
    with engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            yield connection


def claim_due(
    engine: Engine,
    *,
    claimer: str,
    limit: int,
    lease_seconds: float,
    now: datetime,
    channels: Collection[str],
) -> list[ClaimedReminder]:
    """Claim up to `limit` due rows, oldest first; rows already useless are not taken."""
    if limit <= 0 or not channels:
        return []
    due = (
        select(c.id)
        .where(IS_PENDING, c.available_at <= now, c.expires_at > now, c.channel.in_(list(channels)))
        .order_by(c.available_at)
        .limit(limit)
    )
    values = {
        "status": CLAIMED,
        "claimed_by": claimer,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "updated_at": now,
    }
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            # MATERIALIZED: a plain FROM subquery may be rescanned inside a nested loop,
            # and each rescan of `LIMIT n … SKIP LOCKED` yields n more rows.
            locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            statement = update(reminders).where(c.id == locked.c.id, IS_PENDING)
        else:
            statement = update(reminders).where(c.id.in_(due.scalar_subquery()))
        rows = connection.execute(statement.values(values).returning(*CLAIM_COLUMNS)).all()
    claimed = [ClaimedReminder(**row._mapping) for row in rows]
    claimed.sort(key=lambda r: (r.due_at, r.id))
    return claimed


def release_dead_leases(engine: Engine, *, now: datetime) -> int:
    """A dispatcher that died keeps nothing: its expired claims become claimable again."""
    with write_transaction(engine) as connection:
        result = connection.execute(
            update(reminders)
            .where(IS_CLAIMED, c.lease_until < now)
            .values(status=PENDING, claimed_by=None, lease_until=None, updated_at=now)
        )
    return result.rowcount


def expire_stale(engine: Engine, *, now: datetime) -> int:
    """Pending rows past their window are never sent late (docs/decisions/0004-stale-reminders-expire.md)."""
    with write_transaction(engine) as connection:
        result = connection.execute(
            update(reminders).where(IS_PENDING, c.expires_at <= now).values(status=EXPIRED, updated_at=now)
        )
    return result.rowcount


def release_claims(
    engine: Engine,
    *,
    claimer: str,
    now: datetime,
    ids: Collection[int] | None = None,
) -> int:
    """Hand our claims back at once (shutdown), rather than make others wait for the lease."""
    if ids is not None and not ids:
        return 0
    statement = update(reminders).where(IS_CLAIMED, c.claimed_by == claimer)
    with write_transaction(engine) as connection:
        if ids is not None:
            statement = statement.where(among(connection, c.id, ids))
        result = connection.execute(statement.values(status=PENDING, claimed_by=None, lease_until=None, updated_at=now))
    return result.rowcount


def finish(
    connection: Connection,
    *,
    claimer: str,
    ids: Collection[int],
    values: Mapping[str, Any],
) -> set[int]:
    """Apply `values` to the rows we still hold; returns those ids. The others are lost claims.

    A claim is lost when the row was cancelled or re-planned meanwhile, or its
    lease ran out and another dispatcher took it: that row is not ours to touch.
    """
    if not ids:
        return set()
    statement = (
        update(reminders)
        .where(among(connection, c.id, ids), IS_CLAIMED, c.claimed_by == claimer)
        .values({**values, "claimed_by": None, "lease_until": None})
        .returning(c.id)
    )
    held = set(connection.execute(statement).scalars())
    for lost in sorted(set(ids) - held):
        log.warning("lost claim on reminder %s (cancelled, re-planned or re-leased); left alone", lost)
    return held
