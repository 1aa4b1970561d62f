"""worklist indexes; when the app first opened a reminder

Revision ID: 0011_console2
Revises: 0010_webpush
Create Date: 2026-12-07 05:15:00

The worklist is computed in SQL, one page at a time: each reason's query reads an index
(open alerts by clinic and status, sent check-in prompts, pushes that found no phone,
patients by enrollment time, each patient's latest session, bookings after it).
`reminders.opened_at` records the app's first fetch of a reminder's text (Results: opened).

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_console2"
down_revision = "0010_webpush"
branch_labels = None
depends_on = None

_PROMPTS = "status = 'sent' AND plan_key IN ('checkin:24h', 'checkin:48h')"
_UNDELIVERABLE = "status = 'undeliverable'"
_RESULTS_COLUMNS = [
    "clinic_id", "due_at", "channel", "status", "kind", "patient_id", "sent_at", "opened_at", "acknowledged_at"
]  # fmt: skip


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_reminders_sent_prompts",
            ["clinic_id", "sent_at"],
            unique=False,
            sqlite_where=sa.text(_PROMPTS),
            postgresql_where=sa.text(_PROMPTS),
        )
        batch_op.create_index(
            "ix_reminders_undeliverable",
            ["clinic_id", "patient_id"],
            unique=False,
            sqlite_where=sa.text(_UNDELIVERABLE),
            postgresql_where=sa.text(_UNDELIVERABLE),
        )
        batch_op.create_index(
            "ix_reminders_clinic_due",
            [
                "clinic_id",
                "due_at",
                "channel",
                "status",
                "kind",
                "patient_id",
                "sent_at",
                "opened_at",
                "acknowledged_at",
            ],
            unique=False,
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_clinic_status", ["clinic_id", "status", "created_at"], unique=False)
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_clinic_created", ["clinic_id", "created_at"], unique=False)
    with op.batch_alter_table("treatments", schema=None) as batch_op:
        batch_op.create_index("ix_treatments_clinic_latest", ["clinic_id", "status", "performed_at"], unique=False)
        batch_op.create_index("ix_treatments_patient_latest", ["patient_id", "status", "performed_at"], unique=False)
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("ix_appointments_patient_booked", ["patient_id", "status", "starts_at"], unique=False)
        batch_op.create_index("ix_appointments_clinic_booked", ["clinic_id", "status", "starts_at"], unique=False)


def downgrade():
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_clinic_booked")
        batch_op.drop_index("ix_appointments_patient_booked")
    with op.batch_alter_table("treatments", schema=None) as batch_op:
        batch_op.drop_index("ix_treatments_patient_latest")
        batch_op.drop_index("ix_treatments_clinic_latest")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_clinic_created")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_clinic_status")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_clinic_due")
        batch_op.drop_index("ix_reminders_undeliverable")
        batch_op.drop_index("ix_reminders_sent_prompts")
        batch_op.drop_column("opened_at")
