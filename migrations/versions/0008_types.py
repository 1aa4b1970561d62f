"""alert check-ins: which check-ins raised or joined each alert, held on the alerts side

Revision ID: 0008_types
Revises: 0007_secapi
Create Date: 2026-12-07 05:00:00

Check-ins know nothing of alerts: the link moves to a table the alerts domain owns.
Existing alerts are linked to the check-ins they gathered: while an alert is unresolved,
every off-course check-in of its patient attaches to it, so those are the patient's
off-course check-ins from the one that opened it to the latest one it records.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_types"
down_revision = "0007_secapi"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_checkins",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_checkins_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["checkins.id"], name=op.f("fk_alert_checkins_checkin_id_checkins"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("checkin_id", name=op.f("pk_alert_checkins")),
    )
    with op.batch_alter_table("alert_checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_checkins_alert_id"), ["alert_id"], unique=False)

    op.execute(
        "INSERT INTO alert_checkins (checkin_id, alert_id) "
        "SELECT c.id, a.id FROM alerts a JOIN checkins c ON c.patient_id = a.patient_id "
        "WHERE c.id >= a.checkin_id AND c.id <= COALESCE(a.latest_checkin_id, a.checkin_id) "
        "AND c.outcome IN ('self_care', 'contact_clinic', 'urgent')"
    )


def downgrade():
    with op.batch_alter_table("alert_checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_checkins_alert_id"))

    op.drop_table("alert_checkins")
