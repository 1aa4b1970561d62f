from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Select, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, load_only, mapped_column, relationship, selectinload, with_parent

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import Model
from companion.reminders.models import SUPERSEDED, Reminder


class TreatmentStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"  # recorded in error: its reminders are cancelled too


class Treatment(IdempotentRow, Model):
    __tablename__ = "treatments"
    __table_args__ = (
        UniqueConstraint("clinic_id", "idempotency_key"),
        # The worklist's course reasons: each patient's latest active session.
        Index("ix_treatments_clinic_latest", "clinic_id", "status", "performed_at"),
        Index("ix_treatments_patient_latest", "patient_id", "status", "performed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    protocol_key: Mapped[str] = mapped_column(String(80))
    performed_at: Mapped[datetime]
    needle_depth_mm: Mapped[float]
    area: Mapped[str] = mapped_column(String(40))
    combined_with: Mapped[list[Any]] = mapped_column(default=list)
    session_number: Mapped[int] = mapped_column(default=1)
    planned_sessions: Mapped[int] = mapped_column(default=1)
    clearance_confirmed: Mapped[bool] = mapped_column(default=False)
    # The provider's own instructions for this session, shown to the patient as written.
    patient_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TreatmentStatus.ACTIVE)
    # The protocol as it applied (with the clinic's overrides), for triage and audits.
    protocol_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    restrictions: Mapped[list[Restriction]] = relationship(
        back_populates="treatment", cascade="all, delete-orphan", order_by="Restriction.id"
    )
    # What the timeline shows: every reminder of this treatment but those a newer plan replaced.
    timeline_reminders: Mapped[list[Reminder]] = relationship(
        primaryjoin=lambda: (Treatment.id == Reminder.treatment_id) & (Reminder.status != SUPERSEDED),
        foreign_keys=lambda: [Reminder.treatment_id],
        order_by=lambda: (Reminder.due_at, Reminder.id),
        viewonly=True,
        lazy="selectin",
    )

    @property
    def series(self) -> dict[str, int]:
        return {"session_number": self.session_number, "planned_sessions": self.planned_sessions}

    @property
    def expected_course(self) -> dict[str, Any]:
        """As planned when the session was recorded (the protocol may have changed since)."""
        course: dict[str, Any] = self.protocol_snapshot.get("expected_course", {})
        return course


class Restriction(Model):
    """A window during which something is off limits (makeup, sweat, sun, ...)."""

    __tablename__ = "restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)

    treatment: Mapped[Treatment] = relationship(back_populates="restrictions")


# A timeline shows these columns of each reminder (ReminderSchema and its `state`):
# whole rows parsed every payload and eight more timestamps for nothing.
_TIMELINE_COLUMNS = (
    Reminder.id,
    Reminder.treatment_id,
    Reminder.kind,
    Reminder.title,
    Reminder.body,
    Reminder.due_at,
    Reminder.expires_at,
    Reminder.status,
    Reminder.sent_at,
    Reminder.acknowledged_at,
    Reminder.category,
    Reminder.must_see,
    Reminder.skip_reason,
)
WITH_TIMELINE = selectinload(Treatment.timeline_reminders).load_only(*_TIMELINE_COLUMNS)


def timeline_of(treatment: Treatment) -> Select[Reminder]:
    """The query behind `timeline_reminders` for one treatment, with the timeline's columns."""
    return (
        select(Reminder)
        .where(with_parent(treatment, Treatment.timeline_reminders))
        .order_by(Reminder.due_at, Reminder.id)
        .options(load_only(*_TIMELINE_COLUMNS))
    )
