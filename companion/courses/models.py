from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import Model


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"  # a session was recorded for it


class AppointmentKind(StrEnum):
    SERIES = "series"
    MAINTENANCE = "maintenance"
    REVIEW = "review"


BOOKED, CANCELLED, ATTENDED = AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, AppointmentStatus.ATTENDED
KINDS = tuple(AppointmentKind)


class Appointment(IdempotentRow, Model):
    """A booked visit: it stops the course's nudges and gets its own reminder the day before."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("clinic_id", "idempotency_key"),
        # The worklist: anything booked after a session; visits that passed unrecorded.
        Index("ix_appointments_patient_booked", "patient_id", "status", "starts_at"),
        Index("ix_appointments_clinic_booked", "clinic_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    # The session recorded for this visit (attended), if any.
    treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatments.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CourseState(Model):
    """Where a patient's course stands, written with every change to its sessions or bookings:
    the latest active session and the instants its worklist reasons start and stop holding.
    The worklist compares the instants with now, reading only the rows that match."""

    __tablename__ = "course_states"
    __table_args__ = (
        # Rows whose reason has not yet stopped holding, by when it stops: a bounded range
        # (older rows fall behind it) and, with the start and order columns, read from the index.
        Index(
            "ix_course_states_rebooking",
            "clinic_id",
            "rebooking_until",
            "rebooking_from",
            "last_session_at",
            sqlite_where=text("rebooking_until IS NOT NULL"),
            postgresql_where=text("rebooking_until IS NOT NULL"),
        ),
        Index(
            "ix_course_states_maintenance",
            "clinic_id",
            "maintenance_until",
            "maintenance_from",
            "last_session_at",
            sqlite_where=text("maintenance_until IS NOT NULL"),
            postgresql_where=text("maintenance_until IS NOT NULL"),
        ),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"))
    protocol_key: Mapped[str] = mapped_column(String(80))
    last_session_at: Mapped[datetime]
    session_number: Mapped[int]
    planned_sessions: Mapped[int]
    rebooking_from: Mapped[datetime | None]
    rebooking_until: Mapped[datetime | None]
    maintenance_from: Mapped[datetime | None]
    maintenance_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
