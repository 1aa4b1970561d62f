"""a clinic's time zone, for its clinic-wide lists

Revision ID: 0015_clinictz
Revises: 0014_contact
Create Date: 2026-12-07 07:50:00

Existing clinics take their country's zone when the country has only one, else UTC
(what every clinic-wide list showed until now).

"""

import sqlalchemy as sa
from alembic import op
from babel.core import get_global

# revision identifiers, used by Alembic.
revision = "0015_clinictz"
down_revision = "0014_contact"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table: keep its ids never reused (revision 0007).
    with op.batch_alter_table("clinics", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False))
    clinics = sa.table("clinics", sa.column("id", sa.Integer), sa.column("country", sa.String), sa.column("timezone"))
    zones = get_global("territory_zones")
    bind = op.get_bind()
    for clinic_id, country in bind.execute(sa.select(clinics.c.id, clinics.c.country)).all():
        found = zones.get((country or "").upper(), [])
        if len(found) == 1:
            bind.execute(clinics.update().where(clinics.c.id == clinic_id).values(timezone=found[0]))


def downgrade():
    with op.batch_alter_table("clinics", schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("timezone")
