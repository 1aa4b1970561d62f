"""PostgreSQL's id-range partitions of reminders, deliveries and the audit log: read from the
catalog, created ahead, detached and dropped. Our own DDL rather than pg_partman, which every
database (CI, a fresh machine, a hosted server) would first need as an extension."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

# A DDL statement waits this long for its lock, then gives up until the next run: a queued
# ACCESS EXCLUSIVE request would stall every claim and read behind it.
LOCK_TIMEOUT = "3s"
_BOUND = re.compile(r"FROM \((MINVALUE|'?-?\d+'?)\) TO \('?(-?\d+)'?\)")


@dataclass(frozen=True)
class Partition:
    name: str
    low: int | None  # None: from MINVALUE (the table attached by migration 0018)
    high: int


def partitions(connection: Connection, table: str) -> list[Partition]:
    """The table's partitions, lowest ids first."""
    rows = connection.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST(:table AS regclass)"
        ),
        {"table": table},
    ).all()
    found = []
    for name, bound in rows:
        match = _BOUND.search(bound)
        if match is None:
            raise RuntimeError(f"partition {name} of {table} has a bound this job does not manage: {bound}")
        low = None if match[1] == "MINVALUE" else int(match[1].strip("'"))
        found.append(Partition(name, low, int(match[2])))
    return sorted(found, key=lambda p: p.high)


def next_id(connection: Connection, table: str) -> int:
    """The id the table's sequence gives next (no id is used up to learn it)."""
    row = connection.execute(text(f"SELECT last_value, is_called FROM {_sequence(connection, table)}")).one()
    return int(row[0]) + (1 if row[1] else 0)


def skip_to(connection: Connection, table: str, value: int) -> None:
    """Make the sequence give `value` next, never going back: the open partition is sealed."""
    sequence = _sequence(connection, table)
    connection.execute(
        text(f"SELECT setval('{sequence}', GREATEST(:value, (SELECT last_value + 1 FROM {sequence})), false)"),
        {"value": value},
    )


def create(connection: Connection, table: str, low: int, high: int) -> str:
    name = f"{table}_p{low}"
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    connection.exec_driver_sql(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ({low}) TO ({high})")
    return name


def drop(connection: Connection, table: str, partition: Partition) -> None:
    """Detach, then drop: a partition a foreign key points at cannot be dropped in place."""
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    connection.exec_driver_sql(f"ALTER TABLE {table} DETACH PARTITION {partition.name}")
    connection.exec_driver_sql(f"DROP TABLE {partition.name}")


def _sequence(connection: Connection, table: str) -> str:
    name = connection.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}).scalar()
    if name is None:
        raise RuntimeError(f"{table}.id has no sequence")
    return str(name)
