"""reminders, deliveries and the audit log partitioned by id range on PostgreSQL

Revision ID: 0018_partitions
Revises: 0017_coursestate
Create Date: 2026-12-07 07:40:00

PostgreSQL only (SQLite keeps one table each, pruned in batches). Each table becomes a
partitioned parent of the same name; the existing table is attached as its first partition,
so no row is copied. Its bound is a CHECK constraint added NOT VALID and validated first
(a scan under a lock that lets reads and writes go on), so the ATTACH itself does not scan.
`deliveries` is partitioned by `reminder_id` on the same bounds as `reminders` (a reminder's
deliveries live beside it and leave with it); its primary key becomes (id, reminder_id),
built beforehand with CREATE UNIQUE INDEX CONCURRENTLY. The one scan under a write lock is
the re-check of deliveries' foreign key to the new parent (docs/operations.md, "Storage and
retention"). Decision: docs/decisions/0013-partitioned-outbox.md.

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_partitions"
down_revision = "0017_coursestate"
branch_labels = None
depends_on = None

# Ids per partition; the maintenance job (`flask companion storage maintain`) creates the next ones.
SPAN = 1_000_000
# (table, partition key, primary key columns), in the order they are swapped.
TABLES = (
    ("reminders", "id", "id"),
    ("deliveries", "reminder_id", "id, reminder_id"),
    ("audit_entries", "id", "id"),
)


def _first_bound(bind, sequence: str) -> int:
    """Above every id given out so far, with one span of headroom for rows written meanwhile."""
    last = bind.exec_driver_sql(f"SELECT last_value FROM {sequence}").scalar() or 0
    return (int(last) // SPAN + 2) * SPAN


def _definitions(bind, table: str) -> dict:
    """Indexes, foreign keys and triggers of the table as SQL, read before anything is renamed."""
    oid = bind.exec_driver_sql(f"SELECT '{table}'::regclass::oid").scalar()
    indexes = bind.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = {oid} AND NOT x.indisprimary AND i.relname <> '{table}_p0_pkey' ORDER BY i.relname"
    ).all()
    foreign_keys = bind.exec_driver_sql(
        f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {oid} AND contype = 'f'"
    ).all()
    triggers = bind.exec_driver_sql(
        f"SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = {oid} AND NOT tgisinternal"
    ).all()
    sequence = bind.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar()
    return {"indexes": indexes, "foreign_keys": foreign_keys, "triggers": triggers, "sequence": sequence}


def _swap(bind, table: str, key: str, primary_key: str, bound: int, found: dict) -> None:
    first = f"{table}_p0"
    run = bind.exec_driver_sql
    run(f"ALTER TABLE {table} RENAME TO {first}")
    for name, _ in found["indexes"]:
        run(f"ALTER INDEX {name} RENAME TO {name}_p0")
    for name, _ in found["foreign_keys"]:
        run(f"ALTER TABLE {first} RENAME CONSTRAINT {name} TO {name}_p0")
    for name, _ in found["triggers"]:
        run(f"DROP TRIGGER {name} ON {first}")
    if primary_key == "id":
        run(f"ALTER TABLE {first} RENAME CONSTRAINT pk_{table} TO pk_{first}")
    else:
        run(f"ALTER TABLE {first} DROP CONSTRAINT pk_{table}")
        run(f"ALTER TABLE {first} ADD CONSTRAINT pk_{first} PRIMARY KEY USING INDEX {first}_pkey")
    run(f"CREATE TABLE {table} (LIKE {first} INCLUDING DEFAULTS) PARTITION BY RANGE ({key})")
    run(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({primary_key})")
    for _, definition in found["indexes"]:
        run(definition)  # names the parent now: it holds the table's name
    for name, definition in found["foreign_keys"]:
        run(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _, definition in found["triggers"]:
        run(definition)
    run(f"ALTER TABLE {table} ATTACH PARTITION {first} FOR VALUES FROM (MINVALUE) TO ({bound})")
    # Foreign keys the parent's did not take over (deliveries' one to the old reminders table).
    for (name,) in run(
        f"SELECT conname FROM pg_constraint WHERE conrelid = '{first}'::regclass AND contype = 'f' AND conparentid = 0"
    ).all():
        run(f"ALTER TABLE {first} DROP CONSTRAINT {name}")
    run(f"ALTER TABLE {first} DROP CONSTRAINT {first}_bound")
    run(f"ALTER SEQUENCE {found['sequence']} OWNED BY {table}.id")
    run(f"CREATE TABLE {table}_p{bound} PARTITION OF {table} FOR VALUES FROM ({bound}) TO ({bound + SPAN})")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    reminder_bound = _first_bound(bind, "reminders_id_seq")
    bounds = {"reminders": reminder_bound, "deliveries": reminder_bound}
    bounds["audit_entries"] = _first_bound(bind, "audit_entries_id_seq")
    with op.get_context().autocommit_block():
        # Each step commits on its own: none holds a lock that stops the API's reads or writes.
        bind.exec_driver_sql(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS deliveries_p0_pkey ON deliveries (id, reminder_id)"
        )
        for table, key, _ in TABLES:
            bind.exec_driver_sql(
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_p0_bound CHECK ({key} < {bounds[table]}) NOT VALID"
            )
            bind.exec_driver_sql(f"ALTER TABLE {table} VALIDATE CONSTRAINT {table}_p0_bound")
    found = {table: _definitions(bind, table) for table, _, _ in TABLES}
    bind.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
    for table, key, primary_key in TABLES:
        _swap(bind, table, key, primary_key, bounds[table], found[table])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        raise RuntimeError(
            "0018_partitions cannot be undone in place: copy the partitions into plain tables "
            "(CREATE TABLE … AS SELECT) during a maintenance window, or restore a backup"
        )
