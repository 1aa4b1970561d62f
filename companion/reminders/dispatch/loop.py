"""The dispatcher's loop: claim due rows, push them to every active device, hand other
channels to their handlers, and let the recorder write what happened.

Needs an app context only to find the engine and settings; no request context,
so the same code runs under APScheduler, `--once` and tests.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from companion.core.clock import clock
from companion.extensions import db
from companion.push import base as push
from companion.reminders import heartbeat, metrics, quiet
from companion.reminders import messages as planner
from companion.reminders.claiming import (
    ClaimedReminder, claim_due, expire_stale, finish, release_claims, release_dead_leases, write_transaction,
)
from companion.reminders.dispatch import bundling
from companion.reminders.dispatch.channels import (
    PUSH_CHANNELS, ChannelHandler, Lease, channel_handlers, housekeeping_tasks,
)
from companion.reminders.dispatch.recording import OutcomeRecorder
from companion.reminders.dispatch.settings import DispatchSettings, default_name
from companion.reminders.dispatch.stats import PassStats
from companion.reminders.models import EXPIRED, PENDING

log = logging.getLogger("companion.reminders.dispatch")

OPERATOR_ERROR_CODES = frozenset({"THIRD_PARTY_AUTH_ERROR"})
# Lanes of a pass: pushes, the other channels (clinic webhooks), or both (`--once`, tests).
PUSH_LANE, OTHER_LANE, ALL_LANES = "push", "other", "all"
_DEFAULT_BUDGET = object()


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
        self.recorder = OutcomeRecorder(
            engine, claimer=self.name, backend=sender.name, policy=settings.policy, rng=self.rng,
        )

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

    def run_pass(self, budget_seconds: Any = _DEFAULT_BUDGET, *, lanes: str = ALL_LANES) -> PassStats:
        """Drain: claim and send batch after batch until nothing is due or the budget is spent.

        `budget_seconds=None` drains completely (`--once`); the interval job keeps a
        budget so heartbeats and shutdown stay prompt under a large backlog. `lanes`
        picks pushes, the other channels (clinic webhooks), or both: the long-running
        dispatcher runs the two lanes in separate jobs, so a slow clinic endpoint never
        delays anyone's push.
        """
        budget = self.settings.pass_budget_seconds if budget_seconds is _DEFAULT_BUDGET else budget_seconds
        started = time.monotonic()
        stats = PassStats()
        try:
            while not self.stop.is_set() and not (lanes != OTHER_LANE and self._paused()):
                claimed = self._claim_and_send(stats, lanes)
                if claimed < self.settings.batch_size:
                    break
                if budget is not None and time.monotonic() - started >= budget:
                    break
        finally:
            self.recorder.wait()
            stats.duration_ms = int((time.monotonic() - started) * 1000)
            self._report(stats)
        return stats

    def _claim_and_send(self, stats: PassStats, lanes: str = ALL_LANES) -> int:
        """Returns once the batch is sent; its outcomes may still be being written."""
        now = clock.now()
        handlers = channel_handlers() if lanes != PUSH_LANE else {}
        channels = (*(PUSH_CHANNELS if lanes != OTHER_LANE else ()), *handlers)
        if not channels:
            return 0
        rows = claim_due(
            self.engine, claimer=self.name, limit=self.settings.batch_size,
            lease_seconds=self.settings.lease_seconds, now=now, channels=channels,
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
        for name, task in housekeeping_tasks().items():
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
        rows = self._hold_for_company(rows, stats)
        items = planner.plan(self.engine, rows, channel_id=self.settings.channel_id, window=self.settings.bundle_window)
        chunks = list(_chunks(items, self.settings.chunk_size))
        quota_until: datetime | None = None
        for index, chunk in enumerate(chunks):
            if self.stop.is_set():
                rest = [r.id for later in chunks[index:] for item in later for r in item.reminders]
                stats.released += release_claims(self.engine, claimer=self.name, now=clock.now(), ids=rest)
                return
            if quota_until is not None:
                self.recorder.record(chunk, [], [], stats, deferred_until=quota_until)
                continue
            messages = [message for item in chunk for message in item.messages]
            results = self._send(messages, stats)
            quota = [r for r in results if r.outcome == push.BACKOFF]
            if quota:
                retry_after = max((r.retry_after or 0.0 for r in quota), default=0.0) or None
                quota_until = clock.now() + timedelta(seconds=self.settings.policy.quota_delay(retry_after))
                self._paused_until = quota_until
                log.warning("push quota exceeded; backing off until %s", quota_until.isoformat())
            self.recorder.in_background(chunk, messages, results, stats, quota_until=quota_until)

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

    def _hold_for_company(self, rows: list[ClaimedReminder], stats: PassStats) -> list[ClaimedReminder]:
        """A patient's reminders falling due within the bundling window wait for each other
        (never past their own expiry), so the patient feels one push, not several."""
        window = self.settings.bundle_window
        if not window:
            return rows
        now = clock.now()
        with self.engine.connect() as connection:
            held = bundling.held_until(connection, rows, now=now, window=window)
        if not held:
            return rows
        with write_transaction(self.engine) as connection:
            for until, ids in bundling.by_time(held).items():
                stats.held += len(finish(connection, claimer=self.name, ids=ids,
                                         values={"status": PENDING, "available_at": until, "updated_at": now}))
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
        for outcome, count in Counter(result.outcome for result in results).items():
            metrics.SENDS.labels(self.sender.name, outcome).inc(count)
        for result in results:
            if result.error_code in OPERATOR_ERROR_CODES:
                stats.operator_errors += 1
                metrics.OPERATOR_ERRORS.labels(result.error_code).inc()
        return results

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

