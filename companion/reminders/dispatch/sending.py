"""Putting a slice's pushes on the wire: chunk by chunk, answers to the recorder.

A quota answer pauses every later chunk (and the next claims) until the provider's
Retry-After, without counting an attempt; a sender that raises turns into retry
answers, so claimed rows are never stranded.

SMS and e-mail leave beside the pushes but are waited for and recorded in a lane of their
own (one thread), so a slow mail server or Twilio never holds a push's answer or the next
slice. Right before they leave, the patient's channel is read again: an opt-out since the
claim is honoured at once (fallback.withheld).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from companion.channels import base as push
from companion.core.clock import clock
from companion.reminders.dispatch import fallback, metrics, pushes
from companion.reminders.dispatch.recording import OutcomeRecorder
from companion.reminders.dispatch.settings import DispatchSettings
from companion.reminders.dispatch.stats import PassStats

log = logging.getLogger("companion.reminders.dispatch")

OPERATOR_ERROR_CODES = frozenset({"THIRD_PARTY_AUTH_ERROR"})


class SliceSender:
    def __init__(
        self,
        sender: push.PushSender,
        settings: DispatchSettings,
        recorder: OutcomeRecorder,
        stop: threading.Event,
        release: Callable[[list[pushes.Outgoing]], int],
    ) -> None:
        self.sender = sender
        self.settings = settings
        self.recorder = recorder
        self.stop = stop
        self.release = release
        self.paused_until: datetime | None = None
        self._contact_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-contact")
        self._contact: list[Future[None]] = []

    def send(
        self,
        items: list[pushes.Outgoing],
        stats: PassStats,
        while_sending: Callable[[], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        """Chunk by chunk; `while_sending` runs once the first chunk is on the wire.

        `deadline` (time.monotonic()) fences the claim: a chunk not started by then is
        dropped unsent and untouched, for whoever holds the rows once the lease runs out.
        """
        chunks = list(_chunks(items, self.settings.chunk_size))
        for index, chunk in enumerate(chunks):
            if self.stop.is_set():
                stats.released += self.release([item for later in chunks[index:] for item in later])
                return
            if deadline is not None and time.monotonic() >= deadline:
                _fence([item for later in chunks[index:] for item in later], stats)
                return
            if self.paused():  # the quota was hit: wait for the pause without counting an attempt
                self.recorder.record(chunk, [], [], stats, deferred_until=self.paused_until)
                continue
            contact = [item for item in chunk if _by_contact(item)]
            if contact:
                self._send_contact(contact, stats)
                chunk = [item for item in chunk if not _by_contact(item)]
            messages = [message for item in chunk for message in item.messages]
            collect = self._start(messages)
            if index == 0 and while_sending is not None:
                while_sending()
            results = self._collect(messages, collect, stats)
            quota = [r for r in results if r.outcome == push.BACKOFF]
            quota_until: datetime | None = None
            if quota:
                retry_after = max((r.retry_after or 0.0 for r in quota), default=0.0) or None
                quota_until = clock.now() + timedelta(seconds=self.settings.policy.quota_delay(retry_after))
                self.paused_until = quota_until
                log.warning("push quota exceeded; backing off until %s", quota_until.isoformat())
            self.recorder.in_background(chunk, messages, results, stats, quota_until=quota_until)
        if not chunks and while_sending is not None:
            while_sending()

    def wait(self) -> None:
        """Until every SMS and e-mail handed to the contact lane is answered and recorded."""
        pending, self._contact = self._contact, []
        for future in pending:
            future.result()  # a failed write surfaces here, in the pass that caused it

    def _send_contact(self, items: list[pushes.Outgoing], stats: PassStats) -> None:
        """Put the SMS and e-mail still wanted on the wire; the contact lane waits and records."""
        messages = [message for item in items for message in item.messages]
        held = fallback.withheld(self.recorder.engine, messages)
        outgoing = [m for i, m in enumerate(messages) if i not in held]
        started = self._start(outgoing)

        def finish() -> None:
            answered = iter(self._collect(outgoing, started, stats))
            results = [held[i] if i in held else next(answered) for i in range(len(messages))]
            self.recorder.record(items, messages, results, stats)

        self._contact = [f for f in self._contact if not f.done() or f.exception() is not None]
        self._contact.append(self._contact_lane.submit(finish))

    def paused(self) -> bool:
        if self.paused_until is None:
            return False
        if clock.now() >= self.paused_until:
            self.paused_until = None
            return False
        return True

    def _start(self, messages: list[push.PushMessage]) -> list[tuple[list[push.PushMessage], push.Results]]:
        """Put every part of at most `chunk_size` messages on the wire."""
        size = self.settings.chunk_size
        started = []
        for first in range(0, len(messages), size):
            part = messages[first : first + size]
            try:
                started.append((part, push.start(self.sender, part)))
            except Exception as error:  # a sender bug must not strand the claimed rows
                started.append((part, _raise(error)))
        return started

    def _collect(
        self,
        messages: list[push.PushMessage],
        started: list[tuple[list[push.PushMessage], push.Results]],
        stats: PassStats,
    ) -> list[push.PushResult]:
        results: list[push.PushResult] = []
        for part, pending in started:
            try:
                answered = list(pending())
            except Exception as error:
                log.exception("push sender %s raised; the batch will be retried", self.sender.name)
                answered = []
                detail = f"{type(error).__name__}: {error}"[:500]
            else:
                detail = "no result from the sender"
            answered += [
                push.PushResult(m.device_id, push.RETRY, error_code="SENDER_ERROR", detail=detail)
                for m in part[len(answered) :]
            ]
            results += answered[: len(part)]
        stats.pushes += len(messages)
        for (backend, outcome), count in Counter((r.backend or self.sender.name, r.outcome) for r in results).items():
            metrics.SENDS.labels(backend, outcome).inc(count)
        for result in results:
            if result.error_code in OPERATOR_ERROR_CODES:
                stats.operator_errors += 1
                metrics.OPERATOR_ERRORS.labels(result.error_code).inc()
        return results


def _by_contact(item: pushes.Outgoing) -> bool:
    """A patient no app reaches: their reminders leave by SMS or e-mail only."""
    return bool(item.messages) and all(m.identifier_kind in push.CONTACT_KINDS for m in item.messages)


def _fence(items: list[pushes.Outgoing], stats: PassStats) -> None:
    """No database write here: the stall that made us late (a cut link) may still be on."""
    ids = sorted(r.id for item in items for r in item.reminders)
    stats.fenced += len(ids)
    metrics.FENCED.inc(len(ids))
    log.warning("lease nearly over before sending; %d claimed reminders dropped unsent: %s", len(ids), ids[:20])


def _raise(error: Exception) -> push.Results:
    def again() -> list[push.PushResult]:
        raise error

    return again


def _chunks(items: list[pushes.Outgoing], size: int) -> Iterator[list[pushes.Outgoing]]:
    """Whole reminders per chunk, at most `size` messages (a reminder with more gets its own)."""
    chunk: list[pushes.Outgoing] = []
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
