"""Several dispatcher processes draining one outbox send each reminder exactly once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from companion.reminders import models
from devtools import processes
from tests.reminders import rows

pytestmark = pytest.mark.slow


def drain(database_url: str, dispatchers: int, count: int) -> tuple[list[dict], float]:
    ids = rows.many_due(count, patients=50)
    started = time.monotonic()
    with ThreadPoolExecutor(dispatchers) as pool:
        summaries = list(
            pool.map(
                lambda n: processes.run_once(database_url, "--name", f"d{n}", "--batch", "100", timeout=55),
                range(dispatchers),
            )
        )
    elapsed = time.monotonic() - started
    assert rows.statuses() == {models.SENT: count}
    assert rows.sent_counts() == dict.fromkeys(ids, 1)
    assert sum(s["sent"] for s in summaries) == count
    assert sum(s["lost"] for s in summaries) == 0
    return summaries, elapsed


def test_two_dispatchers_share_the_outbox(ctx, database_url):
    summaries, _ = drain(database_url, 2, 600)
    assert sum(s["claimed"] for s in summaries) == 600


@pytest.mark.postgres("dispatcher processes claiming side by side with FOR UPDATE SKIP LOCKED")
@pytest.mark.parametrize("dispatchers", [2, 4])
def test_concurrent_dispatchers_on_postgres_send_each_reminder_exactly_once(ctx, database_url, dispatchers):
    summaries, elapsed = drain(database_url, dispatchers, 2000)
    assert sum(s["claimed"] for s in summaries) == 2000
    print(
        f"{dispatchers} dispatchers: 2000 reminders in {elapsed:.2f}s incl. start-up; "
        f"per dispatcher {[s['sent'] for s in summaries]}"
    )
