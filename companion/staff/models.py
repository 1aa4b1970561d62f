from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"


ADMIN, STAFF = Role.ADMIN, Role.STAFF
ROLES = tuple(Role)


class StaffMember(Model):
    """A person at a clinic who signs in to the console; integrations use API keys instead."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    # Stored lower-case: an e-mail address signs in to exactly one clinic.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8), default=STAFF)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    password_hash: Mapped[str] = mapped_column(String(255))
    # A generated password is shown once and must be replaced at the first sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN
