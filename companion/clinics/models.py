from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class Clinic(Model):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lock screens are public: pushes stay neutral unless the clinic opts in.
    descriptive_push: Mapped[bool] = mapped_column(default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    # How patients reach the clinic: shown on the patient's aftercare sheet.
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[str | None] = mapped_column(String(500))
    # ISO 3166 alpha-2: the region a patient's phone number is read in when it has no +country code.
    country: Mapped[str] = mapped_column(String(2), default="ES", server_default="ES")
    # IANA zone of clinic-wide lists (audit log, worklist, Results days); a patient's items use the patient's.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The webhook's circuit breaker: failed deliveries in a row, and no attempt before `paused_until`.
    webhook_failures: Mapped[int] = mapped_column(default=0)
    webhook_paused_until: Mapped[datetime | None]
    webhook_last_error: Mapped[str | None] = mapped_column(String(64))


class ClinicApiKey(Model):
    """Only the SHA-256 of a key is kept; the key itself is shown once."""

    __tablename__ = "clinic_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str | None] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Who made it: another key ("api_key"), a staff member ("staff") or the operator's command line ("cli").
    created_by_kind: Mapped[str] = mapped_column(String(16), default="cli")
    created_by_id: Mapped[int | None]
