from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class DeviceKind(StrEnum):
    """What identifies the device: a Firebase installation id or a legacy registration token (phone
    apps, through FCM), or a browser's Web Push subscription endpoint."""

    FID = "fid"
    TOKEN = "token"
    WEBPUSH = "webpush"


class DeactivationReason(StrEnum):
    """Why a device stopped receiving pushes; the dispatcher records the push service's error
    code instead (e.g. UNREGISTERED) when that is what retired it."""

    REMOVED_BY_APP = "removed_by_app"
    REMOVED_BY_CLINIC = "removed_by_clinic"
    SIGNED_OUT = "signed_out"
    UNREGISTERED = "unregistered"
    REPLACED_BY_NEWER = "replaced_by_newer"  # one device more than MAX_DEVICES_PER_PATIENT


class Device(Model):
    """A phone that receives pushes: a patient's app or a clinic staff member's.

    `kind` records what the app sent: a Firebase installation id (`fid`), a legacy
    registration `token`, or a browser's push subscription (`webpush`: the endpoint is
    the identifier, and the message is encrypted to its `p256dh` and `auth_secret` keys).
    """

    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(
            "(patient_id IS NOT NULL AND clinic_id IS NULL) OR (patient_id IS NULL AND clinic_id IS NOT NULL)",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(1024), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default=DeviceKind.TOKEN)
    platform: Mapped[str] = mapped_column(String(10))
    p256dh: Mapped[str | None] = mapped_column(String(100))
    auth_secret: Mapped[str | None] = mapped_column(String(32))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    staff_name: Mapped[str | None] = mapped_column(String(200))
    # The patient session that registered it: signing out on that phone frees the device.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("patient_tokens.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(64))
    deactivated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
