"""message categories and patient choices, must-see reminders and their fallback

Revision ID: 0013_prefs
Revises: 0012_channels
Create Date: 2026-12-07 07:50:00

A reminder gains its category, whether it must be seen, when its fallback is owed
(a partial index holds only rows that owe one) and why it was skipped; a patient
gains the message categories they chose.

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0013_prefs"
down_revision = "0012_channels"
branch_labels = None
depends_on = None

_OWED = "fallback_due_at IS NOT NULL"


def upgrade():
    # SQLite rebuilds the tables: keep their ids never reused (revision 0007).
    with op.batch_alter_table("reminders", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("must_see", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("fallback_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("skip_reason", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_reminders_fallback_due",
            ["fallback_due_at"],
            unique=False,
            sqlite_where=sa.text(_OWED),
            postgresql_where=sa.text(_OWED),
        )
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column(
                "message_categories",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                server_default=sa.text("'{}'"),
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("message_categories")
    with op.batch_alter_table("reminders", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_index("ix_reminders_fallback_due", sqlite_where=sa.text(_OWED), postgresql_where=sa.text(_OWED))
        batch_op.drop_column("skip_reason")
        batch_op.drop_column("fallback_due_at")
        batch_op.drop_column("must_see")
        batch_op.drop_column("category")
