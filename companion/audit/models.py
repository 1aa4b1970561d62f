from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class ActorKind(StrEnum):
    API_KEY = "api_key"
    STAFF = "staff"
    PATIENT = "patient_session"
    ENROLLMENT_CODE = "enrollment_code"  # a patient app signing in (or failing to) with a clinic's code
    PATIENT_REPLY = "patient_reply"  # the patient by SMS keyword or e-mail unsubscribe link (id: the patient)
    SMS_PROVIDER = "sms_provider"  # Twilio reporting a number unusable or opted out (id: the delivery)


API_KEY, STAFF, PATIENT, ENROLLMENT_CODE, PATIENT_REPLY, SMS_PROVIDER = (
    ActorKind.API_KEY,
    ActorKind.STAFF,
    ActorKind.PATIENT,
    ActorKind.ENROLLMENT_CODE,
    ActorKind.PATIENT_REPLY,
    ActorKind.SMS_PROVIDER,
)
ACTOR_KINDS = tuple(ActorKind)

CLI = "cli"  # the operator's command line: creates keys, never appears as an actor of a request


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"  # refused: unknown or another clinic's id (404), bad credentials (401), not allowed (403)
    FAILED = "failed"  # accepted as the actor's, then refused for the input or a conflict; nothing changed


OK, DENIED, FAILED = Outcome.OK, Outcome.DENIED, Outcome.FAILED
OUTCOMES = tuple(Outcome)


class AuditEntry(Model):
    """One access to a patient's data or one security-relevant change, allowed or not.
    Append-only: no API changes a row; on PostgreSQL a trigger refuses UPDATE and DELETE
    except to the retention job (`companion.audit_prune`).

    No foreign keys on purpose: an entry outlives the patient (an erasure keeps the record
    that it happened), and it holds ids only, never a name or a health detail.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_clinic_patient_at", "clinic_id", "patient_id", "at"),
        Index("ix_audit_entries_at", "at"),  # the retention job finds old entries by age
        # On PostgreSQL: partitions of id ranges, dropped whole once all their entries are old.
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    clinic_id: Mapped[int]
    patient_id: Mapped[int | None]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int]
    # "GET /v1/patients/{patient_id}", "console POST /console/patients/{patient_id}/erase", ...
    action: Mapped[str] = mapped_column(String(160))
    # What was acted on, as the request named it ("appointment_id=42", "api_key_id=7"), also when refused.
    target: Mapped[str | None] = mapped_column(String(160))
    outcome: Mapped[str] = mapped_column(String(16), default=OK)
    address: Mapped[str | None] = mapped_column(String(64))
    # A list read: the patients on the page it returned, as ",3,17," (one entry per read,
    # found by `about` with a portable LIKE on either database).
    listed: Mapped[str | None] = mapped_column(Text)

    @property
    def patient_ids(self) -> list[int]:
        return [int(part) for part in (self.listed or "").split(",") if part]
