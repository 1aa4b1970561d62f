"""SQLite keeps one table: finished reminders due before the cutoff are deleted in batches,
each its own short write transaction, so the API's writers wait for one batch at most.
Their deliveries go by the foreign key's ON DELETE CASCADE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select

from companion.clinics.models import Clinic
from companion.reminders.dispatch.claiming import write_transaction
from companion.reminders.models import OPEN_STATES, Reminder

BATCH = 5000


def prune_finished(engine: Engine, *, before: datetime, batch: int = BATCH) -> int:
    """Per clinic, so each batch is a range of the (clinic_id, due_at, …, status, …) index."""
    with engine.connect() as connection:
        clinic_ids = list(connection.scalars(select(Clinic.id)))
    total = 0
    for clinic_id in clinic_ids:
        while True:
            old = (
                select(Reminder.id)
                .where(Reminder.clinic_id == clinic_id, Reminder.due_at < before, Reminder.status.not_in(OPEN_STATES))
                .limit(batch)
            )
            with write_transaction(engine) as connection:
                deleted = connection.execute(delete(Reminder).where(Reminder.id.in_(old.scalar_subquery()))).rowcount
            total += deleted
            if deleted < batch:
                break
    return total
