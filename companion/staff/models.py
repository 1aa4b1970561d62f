from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    # Unique per clinic only: a clinic must not learn (or block) an address that has an account elsewhere.
    __table_args__ = (UniqueConstraint("clinic_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower-case
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(8), default=STAFF)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    password_hash: Mapped[str] = mapped_column(String(255))
    # A generated password is shown once and must be replaced at the first sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # When that one-time password stops working (an invitation is not a standing key).
    password_expires_at: Mapped[datetime | None]
    # Wrong passwords in a row; past a few, each further try waits longer (never a lockout for good).
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    sign_in_blocked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


class StaffSession(Model):
    """One signed-in browser: the cookie holds a random id, this row its SHA-256, so a
    session ends on the server (sign-out, password or role change, an admin) whatever
    copy of the cookie is still around."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
