from __future__ import annotations

from collections.abc import Iterator

import pytest

from companion.extensions import db
from companion.storage import partitions

SPAN = 100
# The layout migration 0018 leaves on an empty database (its first bound, then one span ahead).
FIRST_BOUND, MIGRATION_SPAN = 2_000_000, 1_000_000
FAMILIES = (("deliveries", "reminders"), ("audit_entries",))


@pytest.fixture
def small_partitions(ctx, on_postgres, monkeypatch) -> Iterator[int]:
    """PostgreSQL: partitions of 100 ids, new rows starting at id 3,000,000 (beyond the migration's
    partitions, which the first pass drops as closed and empty); the migration's layout is put
    back afterwards. Yields the first id."""
    if not on_postgres:
        pytest.skip("partitions exist on PostgreSQL only; SQLite is pruned in batches (test_prune.py)")
    monkeypatch.setitem(ctx.config, "PARTITION_IDS", SPAN)
    start = FIRST_BOUND + MIGRATION_SPAN
    with db.engine.begin() as connection:
        for table in ("reminders", "audit_entries"):
            partitions.skip_to(connection, table, start)
    yield start
    db.session.remove()
    with db.engine.begin() as connection:
        for family in FAMILIES:
            for table in family:  # rows pointing in go first
                for partition in partitions.partitions(connection, table):
                    partitions.drop(connection, table, partition)
        for family in FAMILIES:
            for table in reversed(family):
                connection.exec_driver_sql(
                    f"CREATE TABLE {table}_p0 PARTITION OF {table} FOR VALUES FROM (MINVALUE) TO ({FIRST_BOUND})"
                )
                partitions.create(connection, table, FIRST_BOUND, FIRST_BOUND + MIGRATION_SPAN)
