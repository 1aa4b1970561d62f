"""Writing what a send did: deliveries, dead devices and each row's next state.

One writer thread per dispatcher, so a chunk's outcomes are written while the next
chunk is claimed and sent, and finishes keep their order.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, update

from companion.channels import base as push
from companion.channels.models import Delivery
from companion.core.clock import clock
from companion.core.db import insert_rows
from companion.devices.models import DeactivationReason, Device
from companion.reminders.dispatch import metrics, pushes
from companion.reminders.dispatch.claiming import finish, write_transaction
from companion.reminders.dispatch.fallback import mark_addresses, replan_unreached
from companion.reminders.dispatch.outcomes import DELIVERY_OUTCOME, Decision, RetryPolicy, decide, defer
from companion.reminders.dispatch.stats import PassStats
from companion.reminders.models import PENDING, SENT

devices: Table = Device.__table__
deliveries: Table = Delivery.__table__


class OutcomeRecorder:
    def __init__(
        self,
        engine: Engine,
        *,
        claimer: str,
        backend: str,
        policy: RetryPolicy,
        rng: random.Random,
        fallback_after: timedelta = timedelta(minutes=120),
    ) -> None:
        self.engine = engine
        self.fallback_after = fallback_after
        self.claimer = claimer
        self.backend = backend
        self.policy = policy
        self.rng = rng
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-record")
        self._pending: Future[None] | None = None

    def in_background(self, *args: Any, **kwargs: Any) -> None:
        """Record a sent chunk while the caller goes on; waits for the previous chunk first."""
        self.wait()
        self._pending = self._writer.submit(self.record, *args, **kwargs)

    def wait(self) -> None:
        future, self._pending = self._pending, None
        if future is not None:
            future.result()  # a failed write surfaces here, in the pass that caused it

    def record(
        self,
        chunk: list[pushes.Outgoing],
        messages: list[push.PushMessage],
        results: list[push.PushResult],
        stats: PassStats,
        *,
        quota_until: datetime | None = None,
        deferred_until: datetime | None = None,
    ) -> None:
        """Deliveries, dead devices and the rows' next states, in one transaction."""
        now = clock.now()
        decisions = self._decide(chunk, messages, results, now, quota_until, deferred_until)
        watch = _must_see_pushed(chunk, messages)
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for reminder_id, decision in decisions.items():
            values = _values(decision, now)
            if decision.status == SENT and reminder_id in watch:
                values["fallback_due_at"] = now + self.fallback_after  # must_see.py takes it from there
            groups[tuple(sorted(values.items()))].append(reminder_id)
        dead = {
            r.device_id: r.error_code
            for m, r in zip(messages, results, strict=True)
            if r.outcome == push.DEACTIVATE and m.identifier_kind not in push.CONTACT_KINDS
        }
        with write_transaction(self.engine) as connection:
            if messages:  # one record per reminder a push carried
                insert_rows(
                    connection,
                    deliveries,
                    [
                        delivery_row(reminder_id, message, result, self.backend, now)
                        for message, result in zip(messages, results, strict=True)
                        for reminder_id in message.covers
                    ],
                )
            for device_id, code in dead.items():
                stats.deactivated += connection.execute(
                    update(devices)
                    .where(devices.c.id == device_id, devices.c.active.is_(True))
                    .values(
                        active=False,
                        deactivated_reason=(code or DeactivationReason.UNREGISTERED)[:64],
                        deactivated_at=now,
                        updated_at=now,
                    )
                ).rowcount
            mark_addresses(connection, messages, results, now)
            held: set[int] = set()
            for key, ids in groups.items():
                held |= finish(connection, claimer=self.claimer, ids=ids, values=dict(key))
        _count(chunk, decisions, held, now, stats)

    def _decide(
        self,
        chunk: list[pushes.Outgoing],
        messages: list[push.PushMessage],
        results: list[push.PushResult],
        now: datetime,
        quota_until: datetime | None,
        deferred_until: datetime | None,
    ) -> dict[int, Decision]:
        per_reminder: dict[int, list[push.PushResult]] = defaultdict(list)
        for message, result in zip(messages, results, strict=True):
            for reminder_id in message.covers:
                per_reminder[reminder_id].append(result)
        decisions: dict[int, Decision] = {}
        for item in chunk:
            for r in item.reminders:
                sent_before = item.sent_before[r.id]
                if deferred_until is not None and item.messages:
                    decisions[r.id] = defer(
                        until=deferred_until,
                        attempts=r.attempts,
                        expires_at=r.expires_at,
                        sent_before=sent_before,
                    )
                else:
                    decisions[r.id] = decide(
                        per_reminder[r.id],
                        attempts=r.attempts,
                        expires_at=r.expires_at,
                        now=now,
                        sent_before=sent_before,
                        policy=self.policy,
                        quota_until=quota_until,
                        rng=self.rng,
                    )
        return replan_unreached(self.engine, chunk, decisions, per_reminder, now)


def _count(
    chunk: list[pushes.Outgoing], decisions: dict[int, Decision], held: set[int], now: datetime, stats: PassStats
) -> None:
    due = {r.id: r.due_at for item in chunk for r in item.reminders}
    finished: Counter[str] = Counter()
    for reminder_id, decision in decisions.items():
        if reminder_id not in held:
            stats.lost += 1
            continue
        if decision.backed_off:
            stats.backed_off += 1
        else:
            stats.count(decision.status)
        if decision.status != PENDING:
            finished[decision.status] += 1
        if decision.status == SENT:
            lag = (now - due[reminder_id]).total_seconds()
            stats.lag(lag)
            metrics.LAG.observe(max(0.0, lag))
    for status, count in finished.items():
        metrics.REMINDERS.labels(status).inc(count)


def _must_see_pushed(chunk: list[pushes.Outgoing], messages: list[push.PushMessage]) -> set[int]:
    """Must-see reminders that reached the patient by push, not by SMS or e-mail: their
    fallback is owed if the push is not opened in time."""
    by_contact = {
        reminder_id
        for message in messages
        if message.identifier_kind in push.CONTACT_KINDS
        for reminder_id in message.covers
    }
    return {r.id for item in chunk for r in item.reminders if r.must_see and r.id not in by_contact}


def _values(decision: Decision, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": decision.status,
        "attempts": decision.attempts,
        "last_error": decision.last_error,
        "updated_at": now,
    }
    if decision.status == PENDING:
        values["available_at"] = decision.available_at
    if decision.status == SENT:
        values["sent_at"] = now
    return values


def delivery_row(
    reminder_id: int,
    message: push.PushMessage,
    result: push.PushResult,
    backend: str,
    now: datetime,
) -> dict[str, Any]:
    contact = message.identifier_kind in push.CONTACT_KINDS
    return {
        "reminder_id": reminder_id,
        "device_id": None if contact else message.device_id,
        "channel": message.identifier_kind if contact else "push",
        "backend": (result.backend or backend)[:16],
        "outcome": DELIVERY_OUTCOME.get(result.outcome, "failed"),
        "message_id": (result.message_id or None) and result.message_id[:200],
        "error_code": (result.error_code or None) and result.error_code[:64],
        "detail": (result.detail or None) and result.detail[:500],
        "created_at": now,
    }
