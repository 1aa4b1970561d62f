"""A pass of webhook deliveries: clinics side by side, each inside its own slots.

A receiver that accepts and never answers holds one delivery for one timeout. Clinics are
served concurrently and each clinic gets at most `WEBHOOK_SLOTS_PER_CLINIC` threads, so
that receiver delays only its own clinic's events. The pass starts no delivery after its
budget (`WEBHOOK_PASS_BUDGET_SECONDS`); what is left goes back to pending for the next pass.
Nor does it start one past the lease's deadline (the claim is fenced like a push lane's):
those rows are left claimed and untouched, for whoever takes them once the lease runs out.
A clinic whose endpoint failed `WEBHOOK_BREAKER_FAILURES` times in a row is left alone for a
pause that doubles while it keeps failing (its rows wait, no attempt counted), then tried
with one delivery; the state lives on the clinic row, where the console shows it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, update

from companion.alerts import webhooks
from companion.alerts.webhooks import post_event
from companion.channels.models import Delivery
from companion.clinics.models import Clinic
from companion.core.clock import clock
from companion.reminders.dispatch import Lease
from companion.reminders.dispatch.channels import FENCED
from companion.reminders.dispatch.claiming import ClaimedReminder, finish, release_claims, write_transaction
from companion.reminders.dispatch.outcomes import RetryPolicy
from companion.reminders.models import EXPIRED, FAILED, PENDING, SENT

log = logging.getLogger("companion.alerts.webhooks")
clinics_table = Clinic.__table__


@dataclass(frozen=True)
class PassSettings:
    config: Mapping[str, Any]
    policy: RetryPolicy
    slots_per_clinic: int
    max_in_flight: int
    budget: float
    breaker_failures: int
    breaker_pause: float
    breaker_max_pause: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PassSettings:
        return cls(
            config=config,
            policy=RetryPolicy(
                config["RETRY_BASE_SECONDS"], config["RETRY_MAX_SECONDS"], config["QUOTA_BACKOFF_SECONDS"]
            ),
            slots_per_clinic=max(1, int(config["WEBHOOK_SLOTS_PER_CLINIC"])),
            max_in_flight=max(1, int(config["WEBHOOK_MAX_IN_FLIGHT"])),
            budget=float(config["WEBHOOK_PASS_BUDGET_SECONDS"]),
            breaker_failures=max(1, int(config["WEBHOOK_BREAKER_FAILURES"])),
            breaker_pause=float(config["WEBHOOK_BREAKER_PAUSE_SECONDS"]),
            breaker_max_pause=float(config["WEBHOOK_BREAKER_MAX_PAUSE_SECONDS"]),
        )

    def pause(self, failures: int) -> timedelta:
        doublings = min(max(0, failures - self.breaker_failures), 20)
        return timedelta(seconds=min(self.breaker_pause * 2**doublings, self.breaker_max_pause))


@dataclass
class _ClinicRun:
    """One clinic's rows in this pass, shared by the clinic's slots."""

    id: int
    url: str | None
    secret: str | None
    failures: int
    paused_until: datetime | None
    rows: deque[ClaimedReminder] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> ClaimedReminder | None:
        with self.lock:
            if self.paused_until is not None and self.paused_until > clock.now():
                return None
            return self.rows.popleft() if self.rows else None


def deliver(rows: list[ClaimedReminder], lease: Lease) -> Mapping[str, int]:
    settings = PassSettings.from_config(current_app.config)
    deadline = time.monotonic() + settings.budget
    runs = _clinic_runs(rows, lease)
    counts: dict[str, int] = {}
    counts_lock = threading.Lock()

    def drain(run: _ClinicRun) -> None:
        while time.monotonic() < deadline and not lease.expired():
            row = run.take()
            if row is None:
                return
            outcome = _deliver_one(run, row, lease, settings)
            with counts_lock:
                counts[outcome] = counts.get(outcome, 0) + 1

    slots = [
        run
        for run in runs
        # a clinic back from a pause gets one trial delivery, not its full slots
        for _ in range(1 if run.failures >= settings.breaker_failures else settings.slots_per_clinic)
    ]
    if slots:
        with ThreadPoolExecutor(max_workers=min(settings.max_in_flight, len(slots))) as pool:
            for future in [pool.submit(drain, run) for run in slots]:
                future.result()
    if lease.expired():
        counts[FENCED] = _fence(runs)
    counts.update(_put_back(runs, lease))
    return counts


def _fence(runs: list[_ClinicRun]) -> int:
    """No database write: the stall that made us late (a cut link) may still be on."""
    ids = sorted(row.id for run in runs for row in run.rows)
    for run in runs:
        run.rows.clear()
    if ids:
        log.warning("webhook lease nearly over; %d claimed reminders dropped unsent: %s", len(ids), ids[:20])
    return len(ids)


def _clinic_runs(rows: list[ClaimedReminder], lease: Lease) -> list[_ClinicRun]:
    columns = (
        Clinic.id,
        Clinic.webhook_url,
        Clinic.webhook_secret,
        Clinic.webhook_failures,
        Clinic.webhook_paused_until,
    )
    with lease.engine.connect() as conn:
        found = conn.execute(select(*columns).where(Clinic.id.in_({r.clinic_id for r in rows}))).all()
    runs = {
        c.id: _ClinicRun(c.id, c.webhook_url, c.webhook_secret, c.webhook_failures or 0, c.webhook_paused_until)
        for c in found
    }
    orphans = _ClinicRun(0, None, None, 0, None)
    for row in rows:
        runs.get(row.clinic_id, orphans).rows.append(row)
    return [*runs.values(), *([orphans] if orphans.rows else [])]


def _deliver_one(run: _ClinicRun, row: ClaimedReminder, lease: Lease, settings: PassSettings) -> str:
    error: str | None
    if not run.url or not run.secret:
        outcome, error = "failed", "webhook_not_configured"
    else:
        outcome, error = post_event(run.url, run.secret, row, settings.config)
    now = clock.now()
    values: dict[str, Any] = {"attempts": row.attempts + 1, "last_error": error}
    if outcome == "sent":
        values.update(status=SENT, sent_at=now)
    elif outcome == "failed":
        values.update(status=FAILED)
        log.warning("webhook for clinic %s failed for good: %s", row.clinic_id, error)
    else:
        retry_at = now + timedelta(seconds=settings.policy.retry_delay(row.attempts))
        if retry_at < row.expires_at:
            values.update(status=PENDING, available_at=retry_at)
        else:
            values.update(status=EXPIRED)
    breaker = _breaker_change(run, outcome, error, now, settings) if run.url else None
    with write_transaction(lease.engine) as conn:
        conn.execute(
            insert(Delivery.__table__).values(
                reminder_id=row.id, device_id=None, backend="webhook", outcome=outcome, error_code=error, created_at=now
            )
        )
        finish(conn, claimer=lease.claimer, ids=[row.id], values={"updated_at": now, **values})
        if breaker is not None:
            conn.execute(update(clinics_table).where(clinics_table.c.id == run.id).values(**breaker))
    return outcome


def _breaker_change(
    run: _ClinicRun, outcome: str, error: str | None, now: datetime, settings: PassSettings
) -> dict[str, Any] | None:
    """The clinic row's new breaker state, or None when nothing changes."""
    with run.lock:
        if outcome == "sent":
            if run.failures == 0:
                return None
            run.failures, run.paused_until = 0, None
            return {"webhook_failures": 0, "webhook_paused_until": None, "webhook_last_error": None}
        run.failures += 1
        change: dict[str, Any] = {"webhook_failures": run.failures, "webhook_last_error": (error or "")[:64]}
        if run.failures >= settings.breaker_failures:
            run.paused_until = now + settings.pause(run.failures)
            change["webhook_paused_until"] = run.paused_until
        return change


def _put_back(runs: list[_ClinicRun], lease: Lease) -> dict[str, int]:
    """Rows not attempted: a paused clinic's wait for the pause's end; the rest (budget spent)
    are handed back for the next pass. Neither counts as an attempt."""
    now = clock.now()
    counts: dict[str, int] = {}
    released: list[int] = []
    for run in runs:
        if not run.rows:
            continue
        if run.paused_until is None or run.paused_until <= now:
            released += [row.id for row in run.rows]
            continue
        with write_transaction(lease.engine) as conn:
            for row in run.rows:
                values = (
                    {"status": PENDING, "available_at": run.paused_until}
                    if run.paused_until < row.expires_at
                    else {"status": EXPIRED}
                )
                finish(conn, claimer=lease.claimer, ids=[row.id], values={"updated_at": now, **values})
        counts["paused"] = counts.get("paused", 0) + len(run.rows)
    if released:
        counts["released"] = release_claims(lease.engine, claimer=lease.claimer, now=now, ids=released)
    return counts


def register() -> None:
    webhooks.register(deliver)
