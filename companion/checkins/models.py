from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import Model


class CheckIn(IdempotentRow, Model):
    """A patient's symptom report and its triage. Whether it raised an alert is recorded on
    the alerts side (`AlertCheckIn`): check-ins know nothing of alerts."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("patient_id", "idempotency_key"),
        # Was a prompt answered after it arrived (worklist, Results): read from the index alone.
        Index("ix_checkins_patient_created", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatments.id", ondelete="SET NULL"))
    ratings: Mapped[dict[str, Any]]
    red_flags: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)
    hours_since_treatment: Mapped[float | None]
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    advice: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
