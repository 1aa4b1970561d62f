from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.clock import utcnow
from companion.extensions import Model


class Channel(StrEnum):
    """Where an outbox row goes: a patient's phones, a clinic's staff phones, a clinic webhook."""

    PATIENT_PUSH = "patient_push"
    STAFF_PUSH = "staff_push"
    WEBHOOK = "webhook"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # leased by a dispatcher
    SENT = "sent"
    EXPIRED = "expired"
    UNDELIVERABLE = "undeliverable"
    CANCELLED = "cancelled"
    FAILED = "failed"
    # Replaced by a newer plan of the same treatment: kept for audit, hidden from the timeline.
    SUPERSEDED = "superseded"
    # Planned but not sent: the patient muted its category (`skip_reason`); unmuting brings it back.
    SKIPPED = "skipped"


# The short names the outbox code reads (the members themselves).
PATIENT_PUSH, STAFF_PUSH, WEBHOOK = Channel.PATIENT_PUSH, Channel.STAFF_PUSH, Channel.WEBHOOK
PENDING, CLAIMED, SENT = ReminderStatus.PENDING, ReminderStatus.CLAIMED, ReminderStatus.SENT
EXPIRED, UNDELIVERABLE = ReminderStatus.EXPIRED, ReminderStatus.UNDELIVERABLE
CANCELLED, FAILED, SUPERSEDED = ReminderStatus.CANCELLED, ReminderStatus.FAILED, ReminderStatus.SUPERSEDED
SKIPPED = ReminderStatus.SKIPPED
OPEN_STATES = (PENDING, CLAIMED)
# What a re-plan may replace: open rows and rows planned as skipped (still the plan, just muted).
PLANNED_STATES = (PENDING, CLAIMED, SKIPPED)
# Partial indexes' conditions; a query that wants the index repeats them word for word.
SENT_PROMPTS = "status = 'sent' AND plan_key IN ('checkin:24h', 'checkin:48h')"
UNDELIVERABLE_ROWS = "status = 'undeliverable'"
FALLBACK_OWED = "fallback_due_at IS NOT NULL"
SENT_PROMPT_COLUMNS = (
    "clinic_id",
    "sent_at",
    "patient_id",
    "channel",
    "expires_at",
    "acknowledged_at",
    "plan_key",
    "status",
)


class Reminder(Model):
    """One outbox row: something to deliver at `due_at`, useless after `expires_at`.

    Written in the same transaction as whatever caused it, claimed by a
    dispatcher with a lease, and finished only by the holder of that lease.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        # Claiming reads only pending rows that are due: keep that scan small.
        Index(
            "ix_reminders_claimable",
            "available_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_reminders_leased",
            "lease_until",
            sqlite_where=text("status = 'claimed'"),
            postgresql_where=text("status = 'claimed'"),
        ),
        # The worklist: check-in prompts sent and maybe unanswered; pushes that found no phone.
        # Every column those queries read is in it, so neither touches the table's rows.
        Index(
            "ix_reminders_sent_prompts",
            *SENT_PROMPT_COLUMNS,
            sqlite_where=text(SENT_PROMPTS),
            postgresql_where=text(SENT_PROMPTS),
        ),
        Index(
            "ix_reminders_undeliverable",
            "clinic_id",
            "patient_id",
            sqlite_where=text(UNDELIVERABLE_ROWS),
            postgresql_where=text(UNDELIVERABLE_ROWS),
        ),
        # Must-see reminders pushed and maybe not opened: only rows that still owe a fallback.
        Index(
            "ix_reminders_fallback_due",
            "fallback_due_at",
            sqlite_where=text(FALLBACK_OWED),
            postgresql_where=text(FALLBACK_OWED),
        ),
        # The worklist's unreachable patients: a clinic's pending rows about to go.
        Index(
            "ix_reminders_clinic_pending",
            "clinic_id",
            "available_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Results: a clinic's reminders over a period, read from the index alone.
        Index(
            "ix_reminders_clinic_due",
            "clinic_id",
            "due_at",
            "channel",
            "status",
            "kind",
            "patient_id",
            "sent_at",
            "opened_at",
            "acknowledged_at",
        ),
        # On PostgreSQL: partitions of id ranges, dropped whole when finished and old
        # (docs/decisions/0013-partitioned-outbox.md; created by migration 0013 and `companion.storage`).
        {"postgresql_partition_by": "RANGE (id)"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default=PATIENT_PUSH)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatments.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    plan_key: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    available_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    # When the app first fetched the text behind the push: the patient opened it.
    opened_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    # The patient's switch that governs it (companion/patients/categories.py); None for staff rows.
    category: Mapped[str | None] = mapped_column(String(24))
    # Written when the row was planned, from the protocol: a later protocol edit does not change
    # what was promised, and the dispatcher needs no protocol to know it.
    must_see: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A must-see reminder pushed to an app: when an SMS or e-mail follows if it is still unopened
    # (also its lease while a dispatcher sends it). None once nothing is owed.
    fallback_due_at: Mapped[datetime | None]
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def state(self) -> str:
        """What the patient's timeline shows."""
        if self.acknowledged_at is not None and self.status not in (CANCELLED,):
            return "acknowledged"
        if self.status == CLAIMED:
            return PENDING
        return self.status


class DispatcherHeartbeat(Model):
    """Last pass of each dispatcher, for /healthz."""

    __tablename__ = "dispatcher_heartbeats"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_pass_at: Mapped[datetime]
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
