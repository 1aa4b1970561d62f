"""security, second round: audit target and outcome, API key creators, webhook circuit breaker, ids never reused

Revision ID: 0007_secapi
Revises: 0006_seccon
Create Date: 2026-12-07 04:40:00.000000

On SQLite every table with an integer id is rebuilt with AUTOINCREMENT, so an erased
row's id is never handed out again (PostgreSQL sequences never reuse one). The rebuild
follows SQLite's own procedure (create the new table from the stored definition, copy,
drop, rename, recreate indexes) rather than Alembic's batch reflection, which would lose
the partial indexes' WHERE clauses. migrations/env.py turns foreign keys off meanwhile.

On PostgreSQL the audit table stays append-only, except for the retention job, which
says so with `SET LOCAL companion.audit_prune = 'on'`.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_secapi"
down_revision = "0006_seccon"
branch_labels = None
depends_on = None

_PK_CONSTRAINT = re.compile(r',\s*CONSTRAINT\s+"?pk_\w+"?\s+PRIMARY KEY\s*\(\s*"?id"?\s*\)')
_ID_COLUMN = re.compile(r'(\(\s*"?id"?\s+INTEGER\s+NOT NULL)(?=\s*,)')


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=False, server_default="ok"))
        batch_op.create_index("ix_audit_entries_at", ["at"], unique=False)
    with op.batch_alter_table("clinic_api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_kind", sa.String(length=16), nullable=False, server_default="cli"))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("webhook_paused_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("webhook_last_error", sa.String(length=64), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'DELETE' AND current_setting('companion.audit_prune', true) = 'on' THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'audit_entries is append-only'; "
            "END $$"
        )
    elif bind.dialect.name == "sqlite":
        for (name,) in bind.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name"
        ).fetchall():
            _rebuild_with_autoincrement(bind, name)


def _rebuild_with_autoincrement(bind, name):
    (sql,) = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).one()
    if "AUTOINCREMENT" in sql.upper():
        return
    columns = [row[1] for row in bind.exec_driver_sql(f'PRAGMA table_info("{name}")').fetchall()]
    pk = [row[1] for row in bind.exec_driver_sql(f'PRAGMA table_info("{name}")').fetchall() if row[5]]
    if pk != ["id"]:
        return  # no integer id of its own (dispatcher heartbeats are keyed by name)
    new_sql, dropped = _PK_CONSTRAINT.subn("", sql)
    new_sql, marked = _ID_COLUMN.subn(r"\1 PRIMARY KEY AUTOINCREMENT", new_sql, count=1)
    if (dropped, marked) != (1, 1):
        raise RuntimeError(f"cannot read the definition of {name} to add AUTOINCREMENT: {sql}")
    new_sql = re.sub(rf'^CREATE TABLE\s+"?{name}"?', f'CREATE TABLE "_rebuild_{name}"', new_sql, count=1)
    indexes = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL",
            (name,),
        ).fetchall()
    ]
    listed = ", ".join(f'"{column}"' for column in columns)
    bind.exec_driver_sql(new_sql)
    bind.exec_driver_sql(f'INSERT INTO "_rebuild_{name}" ({listed}) SELECT {listed} FROM "{name}"')
    bind.exec_driver_sql(f'DROP TABLE "{name}"')
    bind.exec_driver_sql(f'ALTER TABLE "_rebuild_{name}" RENAME TO "{name}"')
    for statement in indexes:
        bind.exec_driver_sql(statement)


def downgrade():
    # AUTOINCREMENT stays on SQLite: harmless to the older code, and ids must not be reused either way.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END $$"
        )
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("webhook_last_error")
        batch_op.drop_column("webhook_paused_until")
        batch_op.drop_column("webhook_failures")
    with op.batch_alter_table("clinic_api_keys", schema=None) as batch_op:
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("created_by_kind")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_at")
        batch_op.drop_column("outcome")
        batch_op.drop_column("target")
