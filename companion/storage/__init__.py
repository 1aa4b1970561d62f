"""Bounded storage: the outbox, its deliveries and the audit log partitioned on PostgreSQL and
pruned in batches on SQLite (docs/decisions/0013-partitioned-outbox.md)."""
