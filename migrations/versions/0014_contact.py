"""a patient's last activity, for the console's patient list

Revision ID: 0014_contact
Revises: 0013_prefs
Create Date: 2026-12-07 07:50:00

The list is ordered by the patient's latest activity (patients/activity.py). Existing
patients start from the latest of their enrollment, sessions, check-ins and sign-ins.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_contact"
down_revision = "0013_prefs"
branch_labels = None
depends_on = None

# Each source of activity; a patient's value moves only forward.
_SOURCES = (
    "SELECT max(performed_at) FROM treatments WHERE treatments.patient_id = patients.id",
    "SELECT max(created_at) FROM checkins WHERE checkins.patient_id = patients.id",
    "SELECT max(created_at) FROM patient_tokens WHERE patient_tokens.patient_id = patients.id",
    "SELECT max(last_used_at) FROM patient_tokens WHERE patient_tokens.patient_id = patients.id",
)


def upgrade():
    # SQLite rebuilds the table: keep its ids never reused (revision 0007).
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_activity_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.current_timestamp(),
                nullable=False,
            )
        )
        batch_op.create_index("ix_patients_clinic_activity", ["clinic_id", "last_activity_at", "id"], unique=False)
    op.execute("UPDATE patients SET last_activity_at = created_at")
    for source in _SOURCES:
        op.execute(f"UPDATE patients SET last_activity_at = ({source}) WHERE ({source}) > last_activity_at")


def downgrade():
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_index("ix_patients_clinic_activity")
        batch_op.drop_column("last_activity_at")
