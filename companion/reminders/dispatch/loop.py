"""The dispatcher's loop: claim due rows, hand other channels to their handlers, hold
what must wait (quiet hours, a patient's next reminders), plan one push per phone, and let
the slice sender and the recorder put them on the wire and write what happened.

Needs an app context only to find the engine and settings; no request context,
so the same code runs under APScheduler, `--once` and tests.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from companion.channels import base as push
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import bundling, fallback, heartbeat, metrics, must_see, pushes, quiet
from companion.reminders.dispatch.channels import (
    FENCED,
    PUSH_CHANNELS,
    ChannelHandler,
    Lease,
    channel_handlers,
    housekeeping_tasks,
)
from companion.reminders.dispatch.claiming import (
    ClaimedReminder,
    claim_due,
    expire_stale,
    release_claims,
    release_dead_leases,
)
from companion.reminders.dispatch.recording import OutcomeRecorder
from companion.reminders.dispatch.sending import SliceSender
from companion.reminders.dispatch.settings import DispatchSettings, default_name
from companion.reminders.dispatch.stats import PassStats

log = logging.getLogger("companion.reminders.dispatch")

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
        self.recorder = OutcomeRecorder(
            engine,
            claimer=self.name,
            backend=sender.name,
            policy=settings.policy,
            rng=self.rng,
            fallback_after=settings.fallback_after,
        )
        self.wire = SliceSender(sender, settings, self.recorder, self.stop, self._release)

    @classmethod
    def from_app(
        cls,
        app: Flask,
        *,
        name: str | None = None,
        batch: int | None = None,
        sender: push.PushSender | None = None,
        stop: threading.Event | None = None,
    ) -> Dispatcher:
        from companion.channels.factory import build_sender

        with app.app_context():
            engine = db.engine
        return cls(
            engine,
            sender or build_sender(app.config),
            name=name or default_name(),
            settings=DispatchSettings.from_config(app.config, batch=batch),
            stop=stop,
        )

    @property
    def slice_size(self) -> int:
        """Rows claimed at a time: half a batch, so the next slice can be claimed while one is sent."""
        return self.settings.batch_size // 2 if self.pipelined else self.settings.batch_size

    @property
    def pipelined(self) -> bool:
        return self.settings.batch_size >= 2

    # -- passes -------------------------------------------------------------------------

    def run_pass(self, budget_seconds: Any = _DEFAULT_BUDGET, *, lanes: str = ALL_LANES) -> PassStats:
        """Drain: claim and send slice after slice until nothing is due or the budget is spent.

        `budget_seconds=None` drains completely (`--once`); the interval job keeps a
        budget so heartbeats and shutdown stay prompt under a large backlog. `lanes`
        picks pushes, the other channels (clinic webhooks), or both: the long-running
        dispatcher runs the two lanes in separate jobs, so a slow clinic endpoint never
        delays anyone's push. While one slice is on the wire the next is claimed and
        planned, yet a dispatcher never holds more than `batch_size` rows: two slices.
        """
        budget = self.settings.pass_budget_seconds if budget_seconds is _DEFAULT_BUDGET else budget_seconds
        stats = PassStats()
        run = _Pass(self, stats, lanes, budget)
        try:
            current = run.claim()
            if current is not None:
                run.claim_ahead(wait=False)  # both slices held before anything leaves
            while current is not None:
                self.wire.send(current.items, stats, while_sending=run.claim_ahead, deadline=current.deadline)
                current, run.ahead = run.ahead or run.claim(), None
        finally:
            if run.ahead is not None:  # a failure between slices: hand the unsent one back
                stats.released += self._release(run.ahead.items)
            self.recorder.wait()
            self.wire.wait()
            stats.duration_ms = int((time.monotonic() - run.started) * 1000)
            self._report(stats)
        return stats

    def _prepare(self, stats: PassStats, lanes: str) -> _Slice:
        """Claim one slice, hand its non-push rows to their channels, plan its pushes."""
        now = clock.now()
        # Taken before the claim, so the local deadline is never later than the lease in the row.
        deadline = time.monotonic() + self.settings.sendable_seconds
        handlers = channel_handlers() if lanes != PUSH_LANE else {}
        channels = (*(PUSH_CHANNELS if lanes != OTHER_LANE else ()), *handlers)
        if not channels:
            return _Slice(0, [], deadline)
        rows = claim_due(
            self.engine,
            claimer=self.name,
            limit=self.slice_size,
            lease_seconds=self.settings.lease_seconds,
            now=now,
            channels=channels,
        )
        stats.batches += 1
        stats.claimed += len(rows)
        by_channel: dict[str, list[ClaimedReminder]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel].append(row)
        for channel, group in by_channel.items():
            if channel not in PUSH_CHANNELS:
                self._hand_over(handlers[channel], channel, group, Lease(self.engine, self.name, now, deadline), stats)
        push_rows = [row for row in rows if row.channel in PUSH_CHANNELS]
        return _Slice(len(rows), self._plan(push_rows, stats) if push_rows else [], deadline)

    def housekeeping(self) -> dict[str, int]:
        """Dead leases back to pending, then stale rows to expired (a released row may be stale)."""
        now = clock.now()
        released = release_dead_leases(self.engine, now=now - timedelta(seconds=self.settings.clock_skew_seconds))
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

    def follow_unopened(self) -> dict[str, int]:
        """Must-see pushes unopened past COMPANION_FALLBACK_AFTER_MINUTES: their SMS or e-mail (must_see.py)."""
        return must_see.run_pass(self.engine, self.sender, self.settings, now=clock.now(), limit=self.slice_size)

    def release_all(self) -> int:
        """Give back whatever this dispatcher still holds (shutdown)."""
        return release_claims(self.engine, claimer=self.name, now=clock.now())

    # -- sending ------------------------------------------------------------------------

    def _plan(self, rows: list[ClaimedReminder], stats: PassStats) -> list[pushes.Outgoing]:
        now = clock.now()
        rows = quiet.hold(self.engine, rows, stats, claimer=self.name, now=now)
        rows = bundling.hold(self.engine, rows, stats, claimer=self.name, now=now, window=self.settings.bundle_window)
        links = fallback.Links(public_url=self.settings.public_url, ttl=self.settings.link_ttl, now=now)
        items = pushes.plan(
            self.engine, rows, channel_id=self.settings.channel_id, window=self.settings.bundle_window, links=links
        )
        links.save(self.engine)
        return items

    def _release(self, items: list[pushes.Outgoing]) -> int:
        ids = [r.id for item in items for r in item.reminders]
        return release_claims(self.engine, claimer=self.name, now=clock.now(), ids=ids) if ids else 0

    def _hand_over(
        self,
        handler: ChannelHandler,
        channel: str,
        rows: list[ClaimedReminder],
        lease: Lease,
        stats: PassStats,
    ) -> None:
        try:
            counts = handler(rows, lease) or {}
        except Exception:
            # Left claimed: the lease running out is the retry delay.
            log.exception("%s handler failed on %d reminders", channel, len(rows))
            return
        fenced = int(counts.get(FENCED, 0))  # left claimed and unsent, as a push lane does
        stats.fenced += fenced
        metrics.FENCED.inc(fenced)
        for key, value in counts.items():
            stats.handled[f"{channel}.{key}"] = stats.handled.get(f"{channel}.{key}", 0) + int(value)

    def _report(self, stats: PassStats) -> None:
        metrics.PASSES.inc()
        metrics.PASS_SECONDS.observe(stats.duration_ms / 1000)
        fields = {k: v for k, v in stats.as_dict().items() if k != "handled"}
        fields.update(stats.handled)
        line = " ".join(f"{key}={value}" for key, value in fields.items())
        busy = stats.claimed or stats.lost or stats.released
        log.log(
            logging.INFO if busy else logging.DEBUG,
            "dispatch pass name=%s %s",
            self.name,
            line,
            extra={"dispatch": {"name": self.name, **fields}},
        )
        try:
            heartbeat.beat(self.engine, name=self.name, at=clock.now(), stats=fields)
        except Exception:
            log.exception("could not record the dispatcher heartbeat")


@dataclass
class _Slice:
    """Claimed rows made ready to send: other channels handed over, pushes planned."""

    claimed: int
    items: list[pushes.Outgoing]
    deadline: float  # time.monotonic() after which these rows must not go on the wire


class _Pass:
    """One pass's bookkeeping: the slice claimed ahead, and whether more may be due."""

    def __init__(self, dispatcher: Dispatcher, stats: PassStats, lanes: str, budget: float | None) -> None:
        self.dispatcher, self.stats, self.lanes, self.budget = dispatcher, stats, lanes, budget
        self.started = time.monotonic()
        self.more = True  # the last claim came back full
        self.ahead: _Slice | None = None

    def may_claim(self) -> bool:
        d = self.dispatcher
        if not self.more or d.stop.is_set() or (self.lanes != OTHER_LANE and d.wire.paused()):
            return False
        spent = self.stats.batches and self.budget is not None and time.monotonic() - self.started >= self.budget
        return not spent

    def claim(self) -> _Slice | None:
        if not self.may_claim():
            return None
        got = self.dispatcher._prepare(self.stats, self.lanes)
        self.more = got.claimed >= self.dispatcher.slice_size
        return got if got.claimed else None

    def claim_ahead(self, *, wait: bool = True) -> None:
        """Claim and plan the next slice now (while one is on the wire)."""
        if self.ahead is not None or not self.dispatcher.pipelined or self.lanes == OTHER_LANE:
            return
        if wait:
            self.dispatcher.recorder.wait()  # the slice before is written: two slices held at most
        self.ahead = self.claim()
