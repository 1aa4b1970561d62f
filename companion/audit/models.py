from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import db

API_KEY = "api_key"
STAFF = "staff"
PATIENT = "patient_session"
ACTOR_KINDS = (API_KEY, STAFF, PATIENT)


class AuditEntry(db.Model):
    """One access to a patient's data. Append-only: the code has no path that updates or
    deletes a row, and on PostgreSQL a trigger refuses UPDATE and DELETE.

    No foreign keys on purpose: an entry outlives the patient (an erasure keeps the record
    that it happened), and it holds ids only, never a name or a health detail.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_clinic_patient_at", "clinic_id", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    clinic_id: Mapped[int]
    patient_id: Mapped[int | None]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int]
    # "GET /v1/patients/{patient_id}", "console POST /console/patients/{patient_id}/erase", ...
    action: Mapped[str] = mapped_column(String(160))
    address: Mapped[str | None] = mapped_column(String(64))
    # A list read: the patients on the page it returned, as ",3,17," (one entry per read,
    # found by `about` with a portable LIKE on either database).
    listed: Mapped[str | None] = mapped_column(Text)

    @property
    def patient_ids(self) -> list[int]:
        return [int(part) for part in (self.listed or "").split(",") if part]
