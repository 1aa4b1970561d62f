"""stored course state: where each patient's course stands, for the worklist

Revision ID: 0017_coursestate
Revises: 0016_twilio
Create Date: 2026-12-07 08:00:00

The worklist's unreachable reason reads a clinic's pending reminders by an index of its own;
whether a check-in answered a prompt is read from an index on (patient, time), and the
sent prompts' index holds every column read of them.
One row per patient with an active session: the latest session and the instants its
rebooking and maintenance reasons start and stop holding. Filled here from the sessions,
bookings and clinics' protocol timing already stored, in batches of 5,000 rows (the
timing rules are the protocols', read by the application's own code).

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_coursestate"
down_revision = "0016_twilio"
branch_labels = None
depends_on = None

_SENT_PROMPTS = "status = 'sent' AND plan_key IN ('checkin:24h', 'checkin:48h')"
_SENT_PROMPT_COLUMNS = (
    "clinic_id",
    "sent_at",
    "patient_id",
    "channel",
    "expires_at",
    "acknowledged_at",
    "plan_key",
    "status",
)
_WHEN = ("rebooking_from", "rebooking_until", "maintenance_from", "maintenance_until")


def upgrade():
    op.create_table(
        "course_states",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("treatment_id", sa.Integer(), nullable=False),
        sa.Column("protocol_key", sa.String(length=80), nullable=False),
        sa.Column("last_session_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("planned_sessions", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.DateTime(timezone=True), nullable=True) for name in _WHEN),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_course_states_clinic_id_clinics"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_course_states_patient_id_patients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["treatment_id"],
            ["treatments.id"],
            name=op.f("fk_course_states_treatment_id_treatments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_course_states")),
        sqlite_autoincrement=True,
    )
    for reason in ("rebooking", "maintenance"):
        condition = sa.text(f"{reason}_until IS NOT NULL")
        op.create_index(
            f"ix_course_states_{reason}",
            "course_states",
            ["clinic_id", f"{reason}_until", f"{reason}_from", "last_session_at"],
            unique=False,
            sqlite_where=condition,
            postgresql_where=condition,
        )
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_reminders_clinic_pending",
        "reminders",
        ["clinic_id", "available_at"],
        unique=False,
        sqlite_where=pending,
        postgresql_where=pending,
    )
    # Check-in prompts sent: rebuilt to hold every column the worklist and Results read of them.
    op.drop_index("ix_reminders_sent_prompts", table_name="reminders")
    op.create_index(
        "ix_reminders_sent_prompts",
        "reminders",
        list(_SENT_PROMPT_COLUMNS),
        unique=False,
        sqlite_where=sa.text(_SENT_PROMPTS),
        postgresql_where=sa.text(_SENT_PROMPTS),
    )
    op.create_index("ix_checkins_patient_created", "checkins", ["patient_id", "created_at"], unique=False)
    from companion.courses.course_state import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_index("ix_checkins_patient_created", table_name="checkins")
    op.drop_index("ix_reminders_sent_prompts", table_name="reminders")
    op.create_index(
        "ix_reminders_sent_prompts",
        "reminders",
        ["clinic_id", "sent_at"],
        unique=False,
        sqlite_where=sa.text(_SENT_PROMPTS),
        postgresql_where=sa.text(_SENT_PROMPTS),
    )
    op.drop_index("ix_reminders_clinic_pending", table_name="reminders")
    op.drop_index("ix_course_states_maintenance", table_name="course_states")
    op.drop_index("ix_course_states_rebooking", table_name="course_states")
    op.drop_table("course_states")
