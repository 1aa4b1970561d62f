from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import Model
from companion.patients.screening import screening_warnings


class Patient(IdempotentRow, Model):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "external_ref"),
        UniqueConstraint("clinic_id", "idempotency_key"),
        Index("ix_patients_clinic_created", "clinic_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    # Contraindication screening answers, as given at enrollment.
    screening: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def quiet_hours(self) -> dict[str, str]:
        return {"start": self.quiet_start, "end": self.quiet_end}

    @property
    def warnings(self) -> list[dict[str, str]]:
        """Positive screening answers, each needing a doctor's clearance before treatment."""
        return screening_warnings(self.screening)


class EnrollmentCode(Model):
    """One-time code the app trades for a patient token; stored hashed."""

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatientToken(Model):
    __tablename__ = "patient_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sliding expiry: a token unused for PATIENT_TOKEN_IDLE_DAYS stops working.
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
