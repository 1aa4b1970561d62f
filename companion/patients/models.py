from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.core.idempotency import IdempotentRow
from companion.extensions import Model
from companion.patients.categories import choices
from companion.patients.screening import screening_warnings


class Patient(IdempotentRow, Model):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "external_ref"),
        UniqueConstraint("clinic_id", "idempotency_key"),
        Index("ix_patients_clinic_created", "clinic_id", "created_at"),
        # The console's list, newest activity first (read backwards).
        Index("ix_patients_clinic_activity", "clinic_id", "last_activity_at", "id"),
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
    # Contact details for when no app can be reached (docs/channels.md): E.164 and a checked address.
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    # Consent per channel, with when and how it was given (a patient's own words count only so recorded).
    consent_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_sms_at: Mapped[datetime | None]
    consent_sms_method: Mapped[str | None] = mapped_column(String(16))
    consent_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_email_at: Mapped[datetime | None]
    consent_email_method: Mapped[str | None] = mapped_column(String(16))
    # "sms" | "email"; None: SMS when consented, else e-mail.
    fallback_channel: Mapped[str | None] = mapped_column(String(8))
    # What a provider told us: the number or address cannot receive, or the patient opted out there.
    phone_invalid_at: Mapped[datetime | None]
    email_invalid_at: Mapped[datetime | None]
    sms_opted_out_at: Mapped[datetime | None]
    email_opted_out_at: Mapped[datetime | None]
    # The choices the patient made per message category ({"care_tips": false}); the rest are defaults.
    message_categories: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # How each opt-out came: "sms_keyword" (the patient texted STOP), "provider" (Twilio refused to
    # send: the number opted out on its side), "email_link" (the e-mail's unsubscribe link).
    sms_opted_out_via: Mapped[str | None] = mapped_column(String(16))
    email_opted_out_via: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The latest of the patient's activity (patients/activity.py says what counts); a row written
    # without it (an import straight into the table) is active from when it was written.
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.current_timestamp())

    @property
    def categories(self) -> dict[str, bool]:
        """Every message category and whether the patient receives it."""
        return choices(self.message_categories)

    @property
    def quiet_hours(self) -> dict[str, str]:
        return {"start": self.quiet_start, "end": self.quiet_end}

    @property
    def consent(self) -> dict[str, Any]:
        return {
            "sms": self.consent_sms,
            "email": self.consent_email,
            "sms_given_at": self.consent_sms_at,
            "sms_method": self.consent_sms_method,
            "email_given_at": self.consent_email_at,
            "email_method": self.consent_email_method,
            "sms_opted_out_at": self.sms_opted_out_at,
            "sms_opted_out_via": self.sms_opted_out_via,
            "email_opted_out_at": self.email_opted_out_at,
            "email_opted_out_via": self.email_opted_out_via,
            "phone_invalid_at": self.phone_invalid_at,
            "email_invalid_at": self.email_invalid_at,
        }

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


class SignInLink(Model):
    """A one-time link sent by SMS or e-mail in place of any health detail; stored hashed.

    Its page only offers Continue: only that POST spends it (previewers and mail scanners fetch pages).
    """

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    # The reminder the link opens; kept when the reminder is gone (the link then opens Today).
    reminder_id: Mapped[int | None]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
