"""The storage job: keep partitions created ahead, seal the open one monthly, drop the old ones
(PostgreSQL); delete finished old rows in batches (SQLite). Runs hourly in the dispatcher's
housekeeping and on demand as `flask companion storage maintain`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from companion.core.clock import utcnow
from companion.extensions import db
from companion.storage import partitions, prune
from companion.storage.partitions import Partition

log = logging.getLogger("companion.storage")

# Below this a course's 6-12 month maintenance reminders could be old enough to go while the
# patient still sees the course; 13 months keeps a whole year of care and its reminders.
MIN_RETENTION_MONTHS = 13
MONTH = timedelta(days=31)  # a long month: at least the promised months always stay
SEAL_AFTER = timedelta(days=30)  # a partition takes new rows for a month at most
AHEAD = 2  # spans of ids with a partition ready beyond the next id
RUN_EVERY = timedelta(hours=1)
_last_run: dict[str, datetime] = {}


@dataclass(frozen=True)
class Family:
    """A partitioned table and those partitioned on its bounds (rows pointing into it, dropped first)."""

    table: str
    beside: tuple[str, ...]
    stamp: str  # the column saying when a row was written
    done: Callable[[Connection, Partition], bool]  # may the partition go?


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    sealed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: int = 0  # closed partitions still holding unfinished or recent rows
    pruned: int = 0  # SQLite: rows deleted
    waited: list[str] = field(default_factory=list)  # DDL that gave up on its lock this time
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "seconds": round(self.seconds, 3)}


def retention_months(app: Flask) -> int:
    months = int(app.config["RETENTION_MONTHS"])
    if months < MIN_RETENTION_MONTHS:
        raise ValueError(
            f"COMPANION_RETENTION_MONTHS={months}: at least {MIN_RETENTION_MONTHS}, so a year of care "
            "(the 6-12 month maintenance reminders) is never removed"
        )
    return months


def maintain(now: datetime | None = None) -> Report:
    """One pass; safe to run from several dispatchers at once (each step re-reads the catalog)."""
    started = time.perf_counter()
    now = now or utcnow()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, it is the proxy
    cutoff = now - retention_months(app) * MONTH
    report = Report()
    engine = db.engine
    if engine.dialect.name == "postgresql":
        span = int(app.config["PARTITION_IDS"])
        audit_cutoff = now - timedelta(days=int(app.config["AUDIT_RETENTION_DAYS"]))
        outbox = Family("reminders", ("deliveries",), "created_at", lambda c, p: _outbox_done(c, p, cutoff))
        audit = Family("audit_entries", (), "at", lambda c, p: _audit_done(c, p, audit_cutoff))
        for family in (outbox, audit):
            _maintain(engine, family, span, now, report)
    else:
        report.pruned = prune.prune_finished(engine, before=cutoff)
    report.seconds = time.perf_counter() - started
    return report


def _maintain(engine: Engine, family: Family, span: int, now: datetime, report: Report) -> None:
    table, beside, done = family.table, family.beside, family.done
    _create_ahead(engine, table, beside, span, report)
    with engine.begin() as connection:
        open_ = _open_partition(connection, table)
        first = connection.execute(text(f"SELECT {family.stamp} FROM {open_.name} ORDER BY id LIMIT 1")).scalar()
        if first is not None and now - first >= SEAL_AFTER:
            partitions.skip_to(connection, table, open_.high)
            report.sealed.append(open_.name)
    _create_ahead(engine, table, beside, span, report)
    with engine.connect() as connection:
        open_ = _open_partition(connection, table)
        closed = [p for p in partitions.partitions(connection, table) if p.high <= (open_.low or 0)]
        connection.rollback()
    for partition in closed:
        with engine.begin() as connection:
            if not done(connection, partition):
                report.kept += 1
                continue
        _ddl(engine, report, partition.name, lambda c, p=partition: _drop_with(c, table, beside, p), report.dropped)


def _drop_with(connection: Connection, table: str, beside: tuple[str, ...], partition: Partition) -> None:
    for other in beside:  # the rows pointing in go first: a referenced partition cannot be detached
        for twin in partitions.partitions(connection, other):
            if twin.high == partition.high:
                partitions.drop(connection, other, twin)
    partitions.drop(connection, table, partition)


def _create_ahead(engine: Engine, table: str, beside: tuple[str, ...], span: int, report: Report) -> None:
    with engine.connect() as connection:
        top = partitions.partitions(connection, table)[-1].high
        want = partitions.next_id(connection, table) + AHEAD * span
        connection.rollback()
    while top < want:
        low, high = top, top + span

        def create(connection: Connection, low: int = low, high: int = high) -> None:
            for name in (table, *beside):
                partitions.create(connection, name, low, high)

        if not _ddl(engine, report, f"{table}_p{low}", create, report.created):
            return
        top = high


def _ddl(engine: Engine, report: Report, name: str, step: Any, done: list[str]) -> bool:
    try:
        with engine.begin() as connection:
            step(connection)
    except OperationalError as error:  # lock_timeout: busy now, next run
        log.warning("storage: %s waits for the next run (%s)", name, error.orig)
        report.waited.append(name)
        return False
    done.append(name)
    return True


def _open_partition(connection: Connection, table: str) -> Partition:
    """The partition the next id falls in: the one new rows go to."""
    next_id = partitions.next_id(connection, table)
    for partition in partitions.partitions(connection, table):
        if (partition.low is None or partition.low <= next_id) and next_id < partition.high:
            return partition
    raise RuntimeError(f"no partition of {table} holds id {next_id}: run `flask companion storage maintain`")


def _outbox_done(connection: Connection, partition: Partition, cutoff: datetime) -> bool:
    """Every row finished and due before the cutoff; each test reads an index of the partition."""
    name = partition.name
    busy = connection.execute(
        text(
            f"SELECT EXISTS (SELECT 1 FROM {name} WHERE status = 'pending')"
            f" OR EXISTS (SELECT 1 FROM {name} WHERE status = 'claimed')"
            f" OR EXISTS (SELECT 1 FROM clinics c WHERE EXISTS"
            f" (SELECT 1 FROM {name} r WHERE r.clinic_id = c.id AND r.due_at >= :cutoff))"
        ),
        {"cutoff": cutoff},
    ).scalar()
    return not busy


def _audit_done(connection: Connection, partition: Partition, cutoff: datetime) -> bool:
    newest = connection.execute(text(f"SELECT max(at) FROM {partition.name}")).scalar()
    return newest is None or newest < cutoff


def run_hourly() -> int:
    """The dispatcher's housekeeping calls this every few seconds; it works once an hour."""
    now = utcnow()
    if "at" in _last_run and now - _last_run["at"] < RUN_EVERY:
        return 0
    _last_run["at"] = now
    report = maintain(now)
    if report.created or report.dropped or report.sealed or report.pruned:
        log.info("storage: %s", report.as_dict())
    return len(report.dropped) + report.pruned


def register(app: Flask) -> None:
    from companion.reminders.dispatch import register_housekeeping_task

    retention_months(app)  # a setting below the minimum stops the start, not a later pass
    register_housekeeping_task("storage", run_hourly)
