from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class Delivery(Model):
    """One attempt to deliver one reminder to one device (or webhook).

    On PostgreSQL partitioned by `reminder_id` on the reminders' bounds, so a reminder's
    deliveries leave with its partition; the primary key there is (id, reminder_id), as a
    partitioned table's must include its key (ids still come from one sequence).
    """

    __tablename__ = "deliveries"
    # A provider's status callback names its message id (Twilio's MessageSid).
    __table_args__ = (
        Index("ix_deliveries_message_id", "message_id"),
        {"postgresql_partition_by": "RANGE (reminder_id)"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    backend: Mapped[str] = mapped_column(String(16))
    # push (a device) | sms | email (the patient's number or address; no device)
    channel: Mapped[str] = mapped_column(String(8), default="push", server_default="push")
    # sent | retry | deactivated | failed | backoff
    outcome: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str | None] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))
    # What the provider reported later (SMS: queued | sent | delivered | undelivered | failed), and when.
    provider_status: Mapped[str | None] = mapped_column(String(16))
    provider_status_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
