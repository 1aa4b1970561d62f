from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class ProtocolOverride(Model):
    """A clinic's own values for a protocol: the provider's instructions win."""

    __tablename__ = "protocol_overrides"
    __table_args__ = (UniqueConstraint("clinic_id", "protocol_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    protocol_key: Mapped[str] = mapped_column(String(80))
    values: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
