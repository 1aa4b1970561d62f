"""What a reminder becomes after one attempt on its devices: pure, so it is tested exhaustively.

The dispatcher feeds it the push results of one attempt plus what earlier
attempts already achieved; it answers with the row's next state.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from companion.channels import base as push
from companion.reminders.models import EXPIRED, FAILED, PENDING, SENT, UNDELIVERABLE

# Delivery.outcome for each sender outcome: the table speaks of devices, not verbs.
DELIVERY_OUTCOME: dict[str, str] = {
    push.SENT: "sent",
    push.DEACTIVATE: "deactivated",
    push.RETRY: "retry",
    push.BACKOFF: "backoff",
    push.FAILED: "failed",
}


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    max_seconds: float = 900.0
    quota_seconds: float = 60.0

    def retry_delay(self, attempts: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Capped exponential backoff with jitter, so a flapping FCM is not hit in lockstep.

        `attempts` counts earlier failed attempts; a server's Retry-After wins when longer.
        """
        exponent = min(max(attempts, 0), 32)  # 2**32 · base is far past any cap
        ceiling = min(self.max_seconds, self.base_seconds * 2.0**exponent)
        uniform = rng.uniform if rng is not None else random.uniform
        delay = ceiling * uniform(0.5, 1.0)
        return max(delay, retry_after or 0.0)

    def quota_delay(self, retry_after: float | None = None) -> float:
        """FCM asks for at least a minute after QUOTA_EXCEEDED, longer if it says so."""
        return max(retry_after or 0.0, self.quota_seconds)


@dataclass(frozen=True)
class Decision:
    status: str
    attempts: int
    available_at: datetime | None = None  # set when the row goes back to pending
    last_error: str | None = None
    backed_off: bool = False  # pending again because of the quota, not its own failure


def decide(
    results: Sequence[push.PushResult],
    *,
    attempts: int,
    expires_at: datetime,
    now: datetime,
    sent_before: bool,
    policy: RetryPolicy,
    quota_until: datetime | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """The reminder's next state from this attempt's per-device results.

    `sent_before`: some device already has a `sent` delivery from an earlier
    attempt; `quota_until`: the batch hit the quota, so unfinished rows wait.
    """
    outcomes = [r.outcome for r in results]
    delivered = sent_before or push.SENT in outcomes
    unfinished = [r for r in results if r.outcome in (push.RETRY, push.BACKOFF)]
    last_error = _last_error(results)

    if unfinished and quota_until is not None:
        return _again(quota_until, attempts, expires_at, delivered, last_error, backed_off=True)
    if unfinished:
        retry_after = max((r.retry_after or 0.0 for r in unfinished), default=0.0) or None
        if any(r.outcome == push.BACKOFF for r in unfinished):
            delay = policy.quota_delay(retry_after)
        else:
            delay = policy.retry_delay(attempts, retry_after, rng)
        return _again(now + timedelta(seconds=delay), attempts + 1, expires_at, delivered, last_error)
    if delivered:
        return Decision(SENT, attempts, last_error=last_error)
    if push.FAILED in outcomes:
        return Decision(FAILED, attempts, last_error=last_error)
    return Decision(UNDELIVERABLE, attempts, last_error=last_error or "no active device")


def _again(
    at: datetime,
    attempts: int,
    expires_at: datetime,
    delivered: bool,
    last_error: str | None,
    *,
    backed_off: bool = False,
) -> Decision:
    """Pending again at `at`, unless the reminder is useless by then (docs/decisions/0004-stale-reminders-expire.md)."""
    if at >= expires_at:
        # A device that already got it counts: the patient saw the reminder.
        return Decision(SENT if delivered else EXPIRED, attempts, last_error=last_error)
    return Decision(PENDING, attempts, available_at=at, last_error=last_error, backed_off=backed_off)


def _last_error(results: Sequence[push.PushResult]) -> str | None:
    for result in reversed(results):
        if result.outcome != push.SENT and (result.error_code or result.detail):
            return (result.error_code or result.detail or "")[:200]
    return None


def defer(*, until: datetime, attempts: int, expires_at: datetime, sent_before: bool) -> Decision:
    """Not attempted this time (the batch hit the quota): wait without counting an attempt."""
    return _again(until, attempts, expires_at, sent_before, None, backed_off=True)
