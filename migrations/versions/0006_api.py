"""api contract: list reads audited as one entry naming the patients shown

Revision ID: 0006_api
Revises: 0005_audit
Create Date: 2026-12-07 04:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_api"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("listed")
