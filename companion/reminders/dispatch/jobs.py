"""The dispatcher process: APScheduler as its clock, the outbox rows as its work.

Why: docs/decisions/0001-reminders-are-outbox-rows.md and 0002-scheduler-in-its-own-process.md.

Only this process runs a scheduler; the API never does (every gunicorn worker
would start one). The job store is in memory because the jobs are fixed and
the work lives in the database, which any number of dispatchers share.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from companion.core.clock import clock
from companion.reminders.dispatch import Dispatcher
from companion.reminders.dispatch.loop import OTHER_LANE, PUSH_LANE

log = logging.getLogger("companion.reminders.dispatch.jobs")

# Expiry and lease release need not run every second; a released lease waits this long at most.
HOUSEKEEPING_MIN_SECONDS = 5.0


class DispatcherService:
    def __init__(self, app: Flask, dispatcher: Dispatcher, *, interval: float) -> None:
        self.app = app
        self.dispatcher = dispatcher
        self.interval = interval
        self.housekeeping_interval = max(HOUSEKEEPING_MIN_SECONDS, interval * 5)
        self._in_flight = threading.Lock()
        self._channels_in_flight = threading.Lock()
        self._scheduler: BlockingScheduler | None = None

    # -- jobs -------------------------------------------------------------------------

    def dispatch_job(self) -> None:
        with self._in_flight, self.app.app_context():
            if not self.dispatcher.stop.is_set():
                self.dispatcher.run_pass(lanes=PUSH_LANE)

    def channels_job(self) -> None:
        """Clinic webhooks in a job (and thread) of their own: a slow or hostile endpoint
        holds only this lane, never a push."""
        with self._channels_in_flight, self.app.app_context():
            if not self.dispatcher.stop.is_set():
                self.dispatcher.run_pass(lanes=OTHER_LANE)

    def must_see_job(self) -> None:
        """Shares the push lane's lock: one sender, one user at a time."""
        with self._in_flight, self.app.app_context():
            if not self.dispatcher.stop.is_set():
                self.dispatcher.follow_unopened()

    def housekeeping_job(self) -> None:
        with self._in_flight, self.app.app_context():
            if not self.dispatcher.stop.is_set():
                self.dispatcher.housekeeping()

    # -- modes ------------------------------------------------------------------------

    def run_once(self) -> dict[str, Any]:
        """Housekeeping, then drain everything due, then give back anything still held."""
        with handle_signals(self._stop_once), self.app.app_context():
            housekeeping = self.dispatcher.housekeeping()
            stats = self.dispatcher.run_pass(budget_seconds=None)
            unopened = self.dispatcher.follow_unopened()
            released = self.dispatcher.release_all()
        return {
            "name": self.dispatcher.name,
            **stats.as_dict(),
            "released": stats.released + released,
            "housekeeping": housekeeping,
            "must_see": unopened,
        }

    def run_forever(self) -> int:
        """Block until SIGTERM/SIGINT; then finish the chunk in flight and release the rest."""
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        scheduler = BlockingScheduler(timezone="UTC")
        now = clock.now()
        jobs = (
            ("dispatch", self.dispatch_job, self.interval),
            ("channels", self.channels_job, self.interval),
            # Due two hours after a push: a few seconds late is nothing, a write each second would be.
            ("must_see", self.must_see_job, self.housekeeping_interval),
            ("housekeeping", self.housekeeping_job, self.housekeeping_interval),
        )
        for name, job, every in jobs:
            scheduler.add_job(
                job, "interval", seconds=every, id=name, max_instances=1, coalesce=True, next_run_time=now
            )
        self._scheduler = scheduler
        log.info(
            "dispatcher %s started: interval=%ss batch=%d sender=%s",
            self.dispatcher.name,
            self.interval,
            self.dispatcher.settings.batch_size,
            self.dispatcher.sender.name,
        )
        with handle_signals(self._stop_scheduler):
            scheduler.start()  # returns once a signal shut it down
            # The pass in flight sees the stop flag between chunks and releases what it holds.
            finished = self._in_flight.acquire(timeout=self.dispatcher.settings.lease_seconds)
            channels_finished = self._channels_in_flight.acquire(timeout=self.dispatcher.settings.lease_seconds)
        with self.app.app_context():
            released = self.dispatcher.release_all()
        if finished:
            self._in_flight.release()
        if channels_finished:
            self._channels_in_flight.release()
        log.info("dispatcher %s stopped; released %d claimed reminders", self.dispatcher.name, released)
        return 0

    # -- signals ----------------------------------------------------------------------

    def _stop_once(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the chunk in flight", signum)
        self.dispatcher.stop.set()

    def _stop_scheduler(self, signum: int, frame: FrameType | None) -> None:
        self._stop_once(signum, frame)
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)


@contextmanager
def handle_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """SIGTERM and SIGINT go to `handler` inside the block; the old handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return
    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
