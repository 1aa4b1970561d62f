"""contact details with consent, SMS and e-mail deliveries, one-time sign-in links

Revision ID: 0012_channels
Revises: 0011_console2
Create Date: 2026-12-07 05:40:00

A patient gains a phone (E.164), an e-mail address, consent per channel (when, how),
a preferred fallback channel and what providers told us (invalid, opted out); a clinic
gains the country its patients' numbers are read in; a delivery names its channel.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_channels"
down_revision = "0011_console2"
branch_labels = None
depends_on = None

_WHEN = ("consent_sms_at", "consent_email_at", "phone_invalid_at", "email_invalid_at", "sms_opted_out_at")


def upgrade():
    # SQLite rebuilds the tables: keep their ids never reused (revision 0007).
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("consent_sms", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("consent_sms_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("consent_email", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("consent_email_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("fallback_channel", sa.String(length=8), nullable=True))
        for name in (*_WHEN, "email_opted_out_at"):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("clinics", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), server_default="ES", nullable=False))
    with op.batch_alter_table("deliveries", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), server_default="push", nullable=False))
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_sign_in_links_patient_id_patients"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_links_token_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_links_patient_id"), ["patient_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sign_in_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_links_patient_id"))
    op.drop_table("sign_in_links")
    with op.batch_alter_table("deliveries", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("clinics", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("country")
    with op.batch_alter_table("patients", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        for name in ("email_opted_out_at", *reversed(_WHEN)):
            batch_op.drop_column(name)
        for name in ("fallback_channel", "consent_email_method", "consent_email", "consent_sms_method", "consent_sms"):
            batch_op.drop_column(name)
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
