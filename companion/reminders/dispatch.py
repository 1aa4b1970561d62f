"""One dispatcher pass: claim due rows, push them to every active device, finish what we hold.

Needs an app context only to find the engine and settings; no request context,
so the same code runs under APScheduler, `--once` and tests.
"""
from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Engine, Table, insert, select, update

from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Device
from companion.push import base as push
from companion.push.models import Delivery
from companion.reminders import heartbeat, metrics, quiet
from companion.reminders import messages as planner
from companion.reminders.claiming import (
    ClaimedReminder, claim_due, expire_stale, finish, release_claims, release_dead_leases, write_transaction,
)
from companion.reminders.models import EXPIRED, PATIENT_PUSH, PENDING, SENT, STAFF_PUSH
from companion.reminders.outcomes import DELIVERY_OUTCOME, Decision, RetryPolicy, decide, defer

log = logging.getLogger("companion.reminders.dispatch")

PUSH_CHANNELS = (PATIENT_PUSH, STAFF_PUSH)
FCM_BATCH_LIMIT = 500  # messaging.send_each takes at most 500 messages a call
OPERATOR_ERROR_CODES = frozenset({"THIRD_PARTY_AUTH_ERROR"})
_DEFAULT_BUDGET = object()

devices: Table = Device.__table__  # type: ignore[assignment]
deliveries: Table = Delivery.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Lease:
    """What a channel handler gets with its rows: the right to finish or release them."""

    engine: Engine
    claimer: str
    now: datetime

    def finish(self, ids: Sequence[int], **values: Any) -> set[int]:
        with write_transaction(self.engine) as connection:
            return finish(connection, claimer=self.claimer, ids=ids, values={"updated_at": clock.now(), **values})

    def release(self, ids: Sequence[int]) -> int:
        return release_claims(self.engine, claimer=self.claimer, now=clock.now(), ids=ids)


ChannelHandler = Callable[[list[ClaimedReminder], Lease], Mapping[str, int] | None]
_handlers: dict[str, ChannelHandler] = {}


def register_channel_handler(channel: str, handler: ChannelHandler) -> ChannelHandler | None:
    """Let another channel (the clinic webhook) ride on the same claiming and leases.

    Rows of a channel with no handler are never claimed, so they wait untouched.
    Returns the handler it replaces, if any.
    """
    if channel in PUSH_CHANNELS:
        raise ValueError(f"{channel!r} is delivered by push")
    previous = _handlers.get(channel)
    _handlers[channel] = handler
    return previous


def unregister_channel_handler(channel: str) -> ChannelHandler | None:
    return _handlers.pop(channel, None)


HousekeepingTask = Callable[[], int]
_housekeeping_tasks: dict[str, HousekeepingTask] = {}


def register_housekeeping_task(name: str, task: HousekeepingTask) -> None:
    """Periodic work of other domains (re-sending unacknowledged urgent alerts) on the
    dispatcher's clock; runs inside an app context and returns a count for the log."""
    _housekeeping_tasks[name] = task


@dataclass
class PassStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    backed_off: int = 0
    expired: int = 0
    failed: int = 0
    undeliverable: int = 0
    lost: int = 0
    released: int = 0
    held: int = 0
    pushes: int = 0
    deactivated: int = 0
    operator_errors: int = 0
    batches: int = 0
    lag_ms: int | None = None
    duration_ms: int = 0
    handled: dict[str, int] = field(default_factory=dict)

    def count(self, status: str, n: int = 1) -> None:
        attribute = {SENT: "sent", PENDING: "retried"}.get(status, status)
        setattr(self, attribute, getattr(self, attribute) + n)

    def lag(self, seconds: float) -> None:
        ms = int(seconds * 1000)
        self.lag_ms = ms if self.lag_ms is None else max(self.lag_ms, ms)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DispatchSettings:
    batch_size: int = 500
    lease_seconds: float = 120.0
    policy: RetryPolicy = RetryPolicy()
    channel_id: str = "aftercare"
    chunk_size: int = FCM_BATCH_LIMIT
    pass_budget_seconds: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, batch: int | None = None) -> DispatchSettings:
        return cls(
            batch_size=batch or int(config["DISPATCH_BATCH_SIZE"]),
            lease_seconds=float(config["DISPATCH_LEASE_SECONDS"]),
            policy=RetryPolicy(
                base_seconds=float(config["RETRY_BASE_SECONDS"]),
                max_seconds=float(config["RETRY_MAX_SECONDS"]),
                quota_seconds=float(config["QUOTA_BACKOFF_SECONDS"]),
            ),
            channel_id=str(config.get("ANDROID_CHANNEL_ID") or "aftercare"),
            pass_budget_seconds=float(config.get("DISPATCH_PASS_BUDGET_SECONDS", 5.0)),
        )


def default_name() -> str:
    """Unique per process, readable in `claimed_by` and the health list."""
    return f"{socket.gethostname()[:50]}-{os.getpid()}-{secrets.token_hex(3)}"


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        sender: push.PushSender,
        *,
        name: str,
        settings: DispatchSettings,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.name = name[:80]
        self.settings = settings
        self.stop = stop or threading.Event()
        self.rng = rng or random.Random()
        self._paused_until: datetime | None = None
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-record")
        self._recording: Future[None] | None = None

    @classmethod
    def from_app(
        cls, app: Flask, *, name: str | None = None, batch: int | None = None,
        sender: push.PushSender | None = None, stop: threading.Event | None = None,
    ) -> Dispatcher:
        from companion.push.factory import build_sender

        with app.app_context():
            engine = db.engine
        return cls(
            engine,
            sender or build_sender(app.config),
            name=name or default_name(),
            settings=DispatchSettings.from_config(app.config, batch=batch),
            stop=stop,
        )

    # -- passes -------------------------------------------------------------------------

    def run_pass(self, budget_seconds: Any = _DEFAULT_BUDGET) -> PassStats:
        """Drain: claim and send batch after batch until nothing is due or the budget is spent.

        `budget_seconds=None` drains completely (`--once`); the interval job keeps a
        budget so heartbeats and shutdown stay prompt under a large backlog.
        """
        budget = self.settings.pass_budget_seconds if budget_seconds is _DEFAULT_BUDGET else budget_seconds
        started = time.monotonic()
        stats = PassStats()
        try:
            while not self.stop.is_set() and not self._paused():
                claimed = self._claim_and_send(stats)
                if claimed < self.settings.batch_size:
                    break
                if budget is not None and time.monotonic() - started >= budget:
                    break
        finally:
            self._await_recording()
            stats.duration_ms = int((time.monotonic() - started) * 1000)
            self._report(stats)
        return stats

    def dispatch_batch(self, stats: PassStats) -> int:
        """One claim and its sends, fully recorded; returns how many rows were claimed."""
        try:
            return self._claim_and_send(stats)
        finally:
            self._await_recording()

    def _claim_and_send(self, stats: PassStats) -> int:
        """Returns once the batch is sent; its outcomes may still be being written."""
        now = clock.now()
        handlers = dict(_handlers)
        rows = claim_due(
            self.engine, claimer=self.name, limit=self.settings.batch_size,
            lease_seconds=self.settings.lease_seconds, now=now, channels=(*PUSH_CHANNELS, *handlers),
        )
        stats.batches += 1
        stats.claimed += len(rows)
        by_channel: dict[str, list[ClaimedReminder]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel].append(row)
        for channel, group in by_channel.items():
            if channel not in PUSH_CHANNELS:
                self._hand_over(handlers[channel], channel, group, now, stats)
        push_rows = [row for row in rows if row.channel in PUSH_CHANNELS]
        if push_rows:
            self._push(push_rows, stats)
        return len(rows)

    def housekeeping(self) -> dict[str, int]:
        """Dead leases back to pending, then stale rows to expired (a released row may be stale)."""
        now = clock.now()
        released = release_dead_leases(self.engine, now=now)
        expired = expire_stale(self.engine, now=now)
        pruned = heartbeat.prune(self.engine, older_than=heartbeat.prune_horizon(now))
        if released or expired:
            log.info("dispatch housekeeping released_leases=%d expired=%d", released, expired)
        if expired:
            metrics.REMINDERS.labels("expired").inc(expired)
        report = {"released_leases": released, "expired": expired, "pruned_heartbeats": pruned}
        for name, task in list(_housekeeping_tasks.items()):
            try:
                report[name] = task()
            except Exception:  # one domain's failure must not stop dispatching
                log.exception("housekeeping task %s failed", name)
        return report

    def release_all(self) -> int:
        """Give back whatever this dispatcher still holds (shutdown)."""
        return release_claims(self.engine, claimer=self.name, now=clock.now())

    # -- sending ------------------------------------------------------------------------

    def _push(self, rows: list[ClaimedReminder], stats: PassStats) -> None:
        rows = self._hold_quiet(rows, stats)
        items = planner.plan(self.engine, rows, channel_id=self.settings.channel_id)
        chunks = list(_chunks(items, self.settings.chunk_size))
        quota_until: datetime | None = None
        for index, chunk in enumerate(chunks):
            if self.stop.is_set():
                rest = [item.reminder.id for later in chunks[index:] for item in later]
                stats.released += release_claims(self.engine, claimer=self.name, now=clock.now(), ids=rest)
                return
            if quota_until is not None:
                self._record(chunk, [], [], stats, deferred_until=quota_until)
                continue
            messages = [message for item in chunk for message in item.messages]
            results = self._send(messages, stats)
            quota = [r for r in results if r.outcome == push.BACKOFF]
            if quota:
                retry_after = max((r.retry_after or 0.0 for r in quota), default=0.0) or None
                quota_until = clock.now() + timedelta(seconds=self.settings.policy.quota_delay(retry_after))
                self._paused_until = quota_until
                log.warning("push quota exceeded; backing off until %s", quota_until.isoformat())
            self._record_in_background(chunk, messages, results, stats, quota_until=quota_until)

    def _record_in_background(self, *args: Any, **kwargs: Any) -> None:
        """Write a sent chunk's outcomes while the next batch is claimed and sent.

        The database work would otherwise sit between `send_each` calls (about a tenth
        of a pass on PostgreSQL). One writer at a time keeps the order of finishes.
        """
        self._await_recording()
        self._recording = self._recorder.submit(self._record, *args, **kwargs)

    def _await_recording(self) -> None:
        future, self._recording = self._recording, None
        if future is not None:
            future.result()  # a failed write surfaces here, in the pass that caused it

    def _hold_quiet(self, rows: list[ClaimedReminder], stats: PassStats) -> list[ClaimedReminder]:
        """Late patient pushes inside quiet hours wait for the morning (or expire)."""
        now = clock.now()
        with self.engine.connect() as connection:
            held = quiet.held_until(connection, rows, now)
        if not held:
            return rows
        with write_transaction(self.engine) as connection:
            for reminder_id, until in held.items():
                values: dict[str, Any] = {"updated_at": now}
                if until is None:
                    values["status"] = EXPIRED
                    stats.expired += 1
                else:
                    values.update(status=PENDING, available_at=until)
                    stats.held += 1
                finish(connection, claimer=self.name, ids=[reminder_id], values=values)
        return [r for r in rows if r.id not in held]

    def _send(self, messages: list[push.PushMessage], stats: PassStats) -> list[push.PushResult]:
        results: list[push.PushResult] = []
        size = self.settings.chunk_size
        for start in range(0, len(messages), size):
            part = messages[start:start + size]
            try:
                answered = list(self.sender.send(part))
            except Exception as error:  # a sender bug must not strand the claimed rows
                log.exception("push sender %s raised; the batch will be retried", self.sender.name)
                answered = []
                detail = f"{type(error).__name__}: {error}"[:500]
            else:
                detail = "no result from the sender"
            answered += [
                push.PushResult(m.device_id, push.RETRY, error_code="SENDER_ERROR", detail=detail)
                for m in part[len(answered):]
            ]
            results += answered[:len(part)]
        stats.pushes += len(messages)
        for result in results:
            metrics.SENDS.labels(self.sender.name, result.outcome).inc()
            if result.error_code in OPERATOR_ERROR_CODES:
                stats.operator_errors += 1
                metrics.OPERATOR_ERRORS.labels(result.error_code).inc()
        return results

    def _record(
        self,
        chunk: list[planner.Item],
        messages: list[push.PushMessage],
        results: list[push.PushResult],
        stats: PassStats,
        *,
        quota_until: datetime | None = None,
        deferred_until: datetime | None = None,
    ) -> None:
        """Deliveries, dead devices and the rows' next states, in one transaction."""
        now = clock.now()
        per_reminder: dict[int, list[push.PushResult]] = defaultdict(list)
        for message, result in zip(messages, results):
            per_reminder[message.reminder_id].append(result)
        decisions: dict[int, Decision] = {}
        for item in chunk:
            r = item.reminder
            if deferred_until is not None and item.messages:
                decisions[r.id] = defer(
                    until=deferred_until, attempts=r.attempts, expires_at=r.expires_at, sent_before=item.sent_before,
                )
            else:
                decisions[r.id] = decide(
                    per_reminder[r.id], attempts=r.attempts, expires_at=r.expires_at, now=now,
                    sent_before=item.sent_before, policy=self.settings.policy, quota_until=quota_until, rng=self.rng,
                )
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for reminder_id, decision in decisions.items():
            groups[tuple(sorted(_values(decision, now).items()))].append(reminder_id)
        dead = {r.device_id: r.error_code for r in results if r.outcome == push.DEACTIVATE}
        with write_transaction(self.engine) as connection:
            if messages:
                connection.execute(insert(deliveries), [
                    _delivery(message, result, self.sender.name, now) for message, result in zip(messages, results)
                ])
            for device_id, code in dead.items():
                stats.deactivated += connection.execute(
                    update(devices).where(devices.c.id == device_id, devices.c.active.is_(True)).values(
                        active=False, deactivated_reason=(code or "unregistered")[:64], deactivated_at=now, updated_at=now,
                    )
                ).rowcount
            held: set[int] = set()
            for key, ids in groups.items():
                held |= finish(connection, claimer=self.name, ids=ids, values=dict(key))
        due = {item.reminder.id: item.reminder.due_at for item in chunk}
        for reminder_id, decision in decisions.items():
            if reminder_id not in held:
                stats.lost += 1
                continue
            if decision.backed_off:
                stats.backed_off += 1
            else:
                stats.count(decision.status)
            if decision.status != PENDING:
                metrics.REMINDERS.labels(decision.status).inc()
            if decision.status == SENT:
                lag = (now - due[reminder_id]).total_seconds()
                stats.lag(lag)
                metrics.LAG.observe(max(0.0, lag))

    def _hand_over(
        self, handler: ChannelHandler, channel: str, rows: list[ClaimedReminder], now: datetime, stats: PassStats,
    ) -> None:
        try:
            counts = handler(rows, Lease(self.engine, self.name, now)) or {}
        except Exception:
            # Left claimed: the lease running out is the retry delay.
            log.exception("%s handler failed on %d reminders", channel, len(rows))
            return
        for key, value in counts.items():
            stats.handled[f"{channel}.{key}"] = stats.handled.get(f"{channel}.{key}", 0) + int(value)

    def _paused(self) -> bool:
        if self._paused_until is None:
            return False
        if clock.now() >= self._paused_until:
            self._paused_until = None
            return False
        return True

    def _report(self, stats: PassStats) -> None:
        metrics.PASSES.inc()
        metrics.PASS_SECONDS.observe(stats.duration_ms / 1000)
        fields = {k: v for k, v in stats.as_dict().items() if k != "handled"}
        fields.update(stats.handled)
        line = " ".join(f"{key}={value}" for key, value in fields.items())
        busy = stats.claimed or stats.lost or stats.released
        log.log(logging.INFO if busy else logging.DEBUG, "dispatch pass name=%s %s", self.name, line,
                extra={"dispatch": {"name": self.name, **fields}})
        try:
            heartbeat.beat(self.engine, name=self.name, at=clock.now(), stats=fields)
        except Exception:
            log.exception("could not record the dispatcher heartbeat")


def _values(decision: Decision, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": decision.status, "attempts": decision.attempts, "last_error": decision.last_error, "updated_at": now,
    }
    if decision.status == PENDING:
        values["available_at"] = decision.available_at
    if decision.status == SENT:
        values["sent_at"] = now
    return values


def _delivery(message: push.PushMessage, result: push.PushResult, backend: str, now: datetime) -> dict[str, Any]:
    return {
        "reminder_id": message.reminder_id,
        "device_id": message.device_id,
        "backend": backend[:16],
        "outcome": DELIVERY_OUTCOME.get(result.outcome, "failed"),
        "message_id": (result.message_id or None) and result.message_id[:200],
        "error_code": (result.error_code or None) and result.error_code[:64],
        "detail": (result.detail or None) and result.detail[:500],
        "created_at": now,
    }


def _chunks(items: list[planner.Item], size: int) -> Iterator[list[planner.Item]]:
    """Whole reminders per chunk, at most `size` messages (a reminder with more gets its own)."""
    chunk: list[planner.Item] = []
    count = 0
    for item in items:
        n = len(item.messages)
        if chunk and count + n > size:
            yield chunk
            chunk, count = [], 0
        chunk.append(item)
        count += n
    if chunk:
        yield chunk

