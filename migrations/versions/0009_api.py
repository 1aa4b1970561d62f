"""api contract: list reads audited as one entry naming the patients shown; Idempotency-Key on patients,
appointments and check-ins

Revision ID: 0009_api
Revises: 0008_types
Create Date: 2026-12-07 04:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_api"
down_revision = "0008_types"
branch_labels = None
depends_on = None


# (table, the column a key is unique within)
_IDEMPOTENT = (("patients", "clinic_id"), ("appointments", "clinic_id"), ("checkins", "patient_id"))


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Text(), nullable=True))
    for table, scope in _IDEMPOTENT:
        # SQLite rebuilds the table for the constraint: keep its ids never reused (revision 0007).
        with op.batch_alter_table(table, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(op.f(f"uq_{table}_{scope}_idempotency_key"), [scope, "idempotency_key"])


def downgrade():
    for table, scope in reversed(_IDEMPOTENT):
        with op.batch_alter_table(table, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_constraint(op.f(f"uq_{table}_{scope}_idempotency_key"), type_="unique")
            batch_op.drop_column("request_fingerprint")
            batch_op.drop_column("idempotency_key")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("listed")
