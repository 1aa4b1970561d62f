"""The retry and final-state rules, without a database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.channels.base import BACKOFF, DEACTIVATE, FAILED, RETRY, SENT, PushResult
from companion.reminders import models
from companion.reminders.dispatch.outcomes import RetryPolicy, decide, defer

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_seconds=5.0, max_seconds=900.0, quota_seconds=60.0)


def result(outcome: str, device: int = 1, code: str | None = None, retry_after: float | None = None) -> PushResult:
    return PushResult(device, outcome, error_code=code, retry_after=retry_after)


@given(attempts=st.integers(min_value=0, max_value=200), seed=st.integers())
def test_retry_delay_is_jittered_within_half_to_full_capped_exponential(attempts, seed):
    delay = POLICY.retry_delay(attempts, rng=random.Random(seed))
    ceiling = min(900.0, 5.0 * 2 ** min(attempts, 32))
    assert ceiling * 0.5 <= delay <= ceiling


def test_retry_delay_grows_then_caps():
    rng = random.Random(1)
    lows = [POLICY.retry_delay(n, rng=_Fixed(0.0)) for n in range(12)]
    assert lows[:4] == [2.5, 5.0, 10.0, 20.0]
    assert lows[-1] == 450.0  # half of the 900 s cap
    assert max(POLICY.retry_delay(50, rng=rng) for _ in range(100)) <= 900.0


def test_server_retry_after_wins_when_longer():
    assert POLICY.retry_delay(0, retry_after=120.0, rng=_Fixed(1.0)) == 120.0
    assert POLICY.retry_delay(6, retry_after=1.0, rng=_Fixed(1.0)) == 320.0


def test_quota_backoff_is_at_least_a_minute():
    assert POLICY.quota_delay(None) == 60.0
    assert POLICY.quota_delay(5.0) == 60.0
    assert POLICY.quota_delay(300.0) == 300.0


def test_retry_goes_back_to_pending_with_one_more_attempt():
    d = decide(
        [result(RETRY, code="UNAVAILABLE")],
        attempts=2,
        expires_at=NOW + timedelta(hours=1),
        now=NOW,
        sent_before=False,
        policy=POLICY,
        rng=_Fixed(1.0),
    )
    assert d.status == models.PENDING and d.attempts == 3
    assert d.available_at == NOW + timedelta(seconds=20)
    assert d.last_error == "UNAVAILABLE"


def test_retry_past_expiry_expires_instead():
    d = decide(
        [result(RETRY)],
        attempts=3,
        expires_at=NOW + timedelta(seconds=10),
        now=NOW,
        sent_before=False,
        policy=POLICY,
        rng=_Fixed(0.5),
    )
    assert d.status == models.EXPIRED and d.available_at is None


def test_retry_past_expiry_counts_as_sent_when_another_device_got_it():
    d = decide(
        [result(SENT, 1), result(RETRY, 2)],
        attempts=3,
        expires_at=NOW + timedelta(seconds=10),
        now=NOW,
        sent_before=False,
        policy=POLICY,
    )
    assert d.status == models.SENT


@pytest.mark.parametrize(
    ("results", "sent_before", "status"),
    [
        ([result(SENT)], False, models.SENT),
        ([result(SENT, 1), result(DEACTIVATE, 2)], False, models.SENT),
        ([result(DEACTIVATE, 1), result(DEACTIVATE, 2)], False, models.UNDELIVERABLE),
        ([], False, models.UNDELIVERABLE),
        ([], True, models.SENT),
        ([result(FAILED, code="INVALID_ARGUMENT")], False, models.FAILED),
        ([result(FAILED, code="THIRD_PARTY_AUTH_ERROR"), result(DEACTIVATE, 2)], False, models.FAILED),
        ([result(FAILED, 1), result(SENT, 2)], False, models.SENT),
        ([result(FAILED, 1)], True, models.SENT),
    ],
)
def test_final_states(results, sent_before, status):
    d = decide(
        results, attempts=0, expires_at=NOW + timedelta(hours=1), now=NOW, sent_before=sent_before, policy=POLICY
    )
    assert d.status == status


def test_failed_keeps_the_error_code():
    d = decide(
        [result(FAILED, code="INVALID_ARGUMENT")],
        attempts=0,
        expires_at=NOW + timedelta(hours=1),
        now=NOW,
        sent_before=False,
        policy=POLICY,
    )
    assert d.last_error == "INVALID_ARGUMENT"


def test_quota_sends_the_row_back_without_counting_an_attempt():
    until = NOW + timedelta(seconds=90)
    d = decide(
        [result(BACKOFF, retry_after=90.0)],
        attempts=1,
        expires_at=NOW + timedelta(hours=1),
        now=NOW,
        sent_before=False,
        policy=POLICY,
        quota_until=until,
    )
    assert (d.status, d.available_at, d.attempts, d.backed_off) == (models.PENDING, until, 1, True)


def test_deferred_row_past_expiry_expires():
    d = defer(until=NOW + timedelta(minutes=5), attempts=0, expires_at=NOW + timedelta(minutes=1), sent_before=False)
    assert d.status == models.EXPIRED


class _Fixed(random.Random):
    """uniform() at a fixed fraction of its range, to read exact delays."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.fraction
