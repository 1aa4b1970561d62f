"""Drill 2: the dispatcher drains 300 reminders through the real firebase-admin sender
while the fake FCM misbehaves: bursts of 503 and 500, 429 with and without Retry-After,
answers slower than the timeout, and dropped connections.

The clock is frozen and moved one second per pass, so backoff is checked in clock time:
no row is tried before its `available_at`, nothing is sent during a quota pause, every
reminder ends sent once (or expired, only if its window closed), and the number of
requests FCM saw is what the faults explain, never a tight retry loop. ("Sent once" is
our record: a request that hung past the timeout may have reached FCM and is sent
again under the same collapse key, so the phone shows it once.)
"""

from __future__ import annotations

import collections
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from companion.channels.factory import build_sender
from companion.channels.models import Delivery
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, DispatchSettings
from companion.reminders.dispatch.outcomes import RetryPolicy
from companion.reminders.models import EXPIRED, PATIENT_PUSH, PENDING, SENT, Reminder
from tests.reminders import rows

pytestmark = pytest.mark.slow

# FCM_TIMEOUT_SECONDS: generous, so a busy CI machine never times out a healthy request; the hung pass waits 4 s
TIMEOUT = 2.0
# Reminders falling due at these clock offsets (s): 50 each, 300 in all; 20 of those at
# 40 s have a 30 s window, which closes inside the quota pause that starts at 30 s.
DUE = {0: 50, 30: 50, 40: 20, 120: 50, 300: 50, 330: 30, 400: 50}
SHORT_WINDOW = {40: timedelta(seconds=30)}
QUOTA_PAUSES = {30: 60, 120: 120}  # injection time -> pause FCM asks for (no Retry-After: 60 s)


def _inject(fake, offset: int) -> int:
    """Faults for the pass at this clock offset; returns how many requests they can fail."""
    if offset == 0:
        fake.fail_next(40, 503, "UNAVAILABLE")
        fake.fail_next(30, 500, "INTERNAL")
        return 70
    if offset == 30:
        fake.quota_exceeded(1)
        return 1
    if offset == 120:
        fake.quota_exceeded(1, retry_after=120)
        return 1
    if offset == 300:
        fake.delay(2 * TIMEOUT)
        return 0  # counted from the deliveries: every request of that pass times out
    if offset == 330:
        fake.drop_next(25)
        return 25
    return 0


def _insert_reminders(start: datetime) -> tuple[set[int], set[int]]:
    """All reminder ids, and those with a short window."""
    owner = rows.clinic()
    people = []
    for _ in range(sum(DUE.values())):
        person = rows.patient(owner)
        rows.device(of=person)
        people.append(person)
    values = []
    for offset, count in DUE.items():
        due = start + timedelta(seconds=offset)
        lasts = SHORT_WINDOW.get(offset, timedelta(hours=2))
        for _ in range(count):
            person = people[len(values)]
            values.append(
                dict(
                    channel=PATIENT_PUSH,
                    clinic_id=owner.id,
                    patient_id=person.id,
                    kind="hydrate",
                    title="Hydrate",
                    body="Moisturise now.",
                    priority="normal",
                    payload={},
                    due_at=due,
                    expires_at=due + lasts,
                    available_at=due,
                    status=PENDING,
                    attempts=0,
                    created_at=start,
                    updated_at=start,
                )
            )
    with db.engine.begin() as connection:
        connection.execute(insert(Reminder.__table__), values)
        found = connection.execute(select(Reminder.id, Reminder.due_at)).all()
    short = {start + timedelta(seconds=offset) for offset in SHORT_WINDOW}
    return {i for i, _ in found}, {i for i, due in found if due in short}


def _pending_available() -> dict[int, datetime]:
    with db.engine.connect() as connection:
        return dict(
            connection.execute(select(Reminder.id, Reminder.available_at).where(Reminder.status == PENDING)).all()
        )


def _attempted_since(delivery_id: int) -> tuple[set[int], int]:
    with db.engine.connect() as connection:
        found = connection.execute(select(Delivery.reminder_id, Delivery.id).where(Delivery.id > delivery_id)).all()
    return {reminder_id for reminder_id, _ in found}, max((i for _, i in found), default=delivery_id)


@pytest.fixture
def dispatcher(ctx, fcm_config):
    sender = build_sender({**fcm_config, "FCM_TIMEOUT_SECONDS": TIMEOUT})
    settings = DispatchSettings(batch_size=500, lease_seconds=60, policy=RetryPolicy(5.0, 900.0, 60.0))
    yield Dispatcher(db.engine, sender, name="fault-drill", settings=settings, rng=random.Random(5))
    sender.close()


def test_every_reminder_survives_fcm_faults_with_backoff_and_no_retry_storm(dispatcher, fake_fcm):
    """Why: FCM has bad minutes; patients must still get each reminder once, and we must not hammer FCM."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=clock.now().tzinfo)
    clock.freeze(start)
    ids, short = _insert_reminders(start)
    injected, early, last_delivery = 0, [], 0
    requests_at: dict[int, int] = collections.Counter()  # clock offset -> messages:send requests

    for offset in range(1200):
        injected += _inject(fake_fcm, offset)
        now = clock.now()
        available = _pending_available()
        before = fake_fcm.requests
        dispatcher.run_pass(budget_seconds=None)
        dispatcher.housekeeping()
        fake_fcm.delay(0)
        requests_at[offset] = fake_fcm.requests - before
        attempted, last_delivery = _attempted_since(last_delivery)
        early += [(offset, i) for i in attempted if i in available and available[i] > now]
        if not _pending_available() and offset > max(DUE):
            break
        clock.advance(timedelta(seconds=1))
    else:
        pytest.fail("reminders still pending after 20 minutes of clock time")

    rows._end_snapshot()
    status = dict(db.session.execute(select(Reminder.id, Reminder.status)).all())
    sent_per_reminder = dict(
        db.session.execute(
            select(Delivery.reminder_id, func.count()).where(Delivery.outcome == "sent").group_by(Delivery.reminder_id)
        ).all()
    )
    outcomes = collections.Counter(db.session.scalars(select(Delivery.outcome)))
    counts = collections.Counter(status.values())
    print(
        f"statuses={dict(counts)} deliveries={dict(outcomes)} requests={fake_fcm.requests} "
        f"injected={injected} clock_seconds={offset}"
    )

    # Nothing lost: every reminder sent exactly once to its one phone, or expired inside a closed window.
    assert set(status) == set(ids)
    assert {i for i, s in status.items() if s == EXPIRED} == short
    assert all(status[i] == SENT and sent_per_reminder.get(i) == 1 for i in ids - short)
    assert not any(i in sent_per_reminder for i in short)
    # Backoff: no row was tried before it was due again.
    assert early == []
    # Quota: after each 429 nothing at all goes to FCM for the pause FCM asked for.
    for at, pause in QUOTA_PAUSES.items():
        assert requests_at[at] > 0
        assert sum(requests_at[t] for t in range(at + 1, at + pause)) == 0, (at, pause)
        assert sum(requests_at[t] for t in range(at + pause, at + pause + 10)) > 0, "never resumed"
    # No retry storm: each request is one recorded attempt, and failures are only the injected ones
    # plus the hung pass (each of its requests timed out once). A pooled connection the fake had
    # just dropped can fail an attempt before it reaches the fake: recorded as a retry, never sent.
    hung = requests_at[300]
    unseen = sum(outcomes.values()) - fake_fcm.requests
    assert 0 <= unseen <= 3 and unseen <= outcomes["retry"], (unseen, dict(outcomes))
    assert fake_fcm.requests <= len(ids) + injected + hung
    assert outcomes["sent"] == len(ids) - len(short)
