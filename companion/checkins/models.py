from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import db

if TYPE_CHECKING:  # the alerts domain sits above check-ins; the mapper resolves "Alert" by name
    from companion.alerts.models import Alert


class CheckIn(IdempotentRow, db.Model):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("patient_id", "idempotency_key"),)

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

    # The alert this check-in raised, if any (raised by the alerts domain on `checkin_triaged`).
    alert: Mapped[Alert | None] = relationship(
        "Alert", uselist=False, viewonly=True, lazy="selectin", foreign_keys="Alert.checkin_id"
    )

    # Set by the alerts domain when this check-in opened or joined an alert (this request only).
    attached_alert_id = None  # an int once set; a plain attribute, not a column

    @property
    def alert_id(self) -> int | None:
        if self.attached_alert_id is not None:
            return self.attached_alert_id
        return self.alert.id if self.alert is not None else None
