from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.checkins.models import CheckIn
from companion.core.clock import utcnow
from companion.extensions import Model
from companion.patients.models import Patient


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone took it; not done until resolved
    RESOLVED = "resolved"


class Alert(Model):
    """An off-course check-in, for the clinic to acknowledge and resolve."""

    __tablename__ = "alerts"

    __table_args__ = (Index("ix_alerts_clinic_status", "clinic_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), unique=True)
    severity: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resend_count: Mapped[int] = mapped_column(default=0)
    # Off-course check-ins attached to this alert (the first included) and the latest of them.
    checkin_count: Mapped[int] = mapped_column(default=1)
    latest_checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship(lazy="selectin", foreign_keys=[checkin_id])
    latest_checkin: Mapped[CheckIn | None] = relationship(lazy="selectin", foreign_keys=[latest_checkin_id])
    patient: Mapped[Patient] = relationship(lazy="selectin", viewonly=True)

    @property
    def opening_checkin(self) -> CheckInReply:
        """The check-in that opened this alert, as replies show it."""
        return CheckInReply(self.checkin, self)


class AlertCheckIn(Model):
    """Each check-in an alert was raised or updated by: the link lives on the alerts side,
    so the lower check-ins table needs no column (or import) for it."""

    __tablename__ = "alert_checkins"

    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)


class CheckInReply:
    """A check-in as the API shows it: its own fields, and the alert it raised or joined."""

    __slots__ = ("alert", "checkin")

    def __init__(self, checkin: CheckIn, alert: Alert | None) -> None:
        self.checkin = checkin
        self.alert = alert

    @property
    def alert_id(self) -> int | None:
        return self.alert.id if self.alert is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.checkin, name)
