"""SMS delivery status from Twilio's callbacks, and how each opt-out came

Revision ID: 0016_twilio
Revises: 0015_clinictz
Create Date: 2026-12-07 07:40:00

A delivery keeps the provider's later status (Twilio's status callback) and is found by its
message id; a patient's SMS and e-mail opt-outs record how they came (keyword, provider, link).

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_twilio"
down_revision = "0015_clinictz"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the tables: keep their ids never reused (revision 0007).
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("sms_opted_out_via", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("email_opted_out_via", sa.String(length=16), nullable=True))
    with op.batch_alter_table("deliveries", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("provider_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("provider_status_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deliveries_message_id", ["message_id"], unique=False)


def downgrade():
    with op.batch_alter_table("deliveries", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_index("ix_deliveries_message_id")
        batch_op.drop_column("provider_status_at")
        batch_op.drop_column("provider_status")
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("email_opted_out_via")
        batch_op.drop_column("sms_opted_out_via")
