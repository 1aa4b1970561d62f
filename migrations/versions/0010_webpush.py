"""browser push subscriptions on devices

Revision ID: 0010_webpush
Revises: 0009_api
Create Date: 2026-12-07 04:40:00.000000

A browser's push endpoint is the device identifier (URLs run longer than FCM ids),
and its two keys are kept to encrypt each push to it.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_webpush"
down_revision = "0009_api"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table to widen the column: keep its ids never reused (revision 0007).
    with op.batch_alter_table("devices", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("p256dh", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("auth_secret", sa.String(length=32), nullable=True))
        batch_op.alter_column(
            "identifier", existing_type=sa.String(length=512), type_=sa.String(length=1024), existing_nullable=False
        )


def downgrade():
    # SQLite rebuilds the table to widen the column: keep its ids never reused (revision 0007).
    with op.batch_alter_table("devices", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column(
            "identifier", existing_type=sa.String(length=1024), type_=sa.String(length=512), existing_nullable=False
        )
        batch_op.drop_column("auth_secret")
        batch_op.drop_column("p256dh")
