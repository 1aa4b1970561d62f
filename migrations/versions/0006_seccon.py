"""console sessions on the server; staff e-mail unique per clinic; invite expiry; sign-in delays

Revision ID: 0006_seccon
Revises: 0005_audit
Create Date: 2026-12-07 05:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_seccon"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("sign_in_blocked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint("uq_staff_members_email", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_staff_members_clinic_id_email"), ["clinic_id", "email"])
        batch_op.create_index(batch_op.f("ix_staff_members_email"), ["email"], unique=False)
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.alter_column("failed_sign_ins", server_default=None)


def downgrade():
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_members_email"))
        batch_op.drop_constraint(batch_op.f("uq_staff_members_clinic_id_email"), type_="unique")
        batch_op.create_unique_constraint("uq_staff_members_email", ["email"])
        batch_op.drop_column("sign_in_blocked_until")
        batch_op.drop_column("failed_sign_ins")
        batch_op.drop_column("password_expires_at")

    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_staff_id"))

    op.drop_table("staff_sessions")
