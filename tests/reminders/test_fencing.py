"""The fencing check: a claim whose sending is held up past its lease deadline is dropped unsent.

Another dispatcher may take a row once its lease runs out; the holder knows its deadline
from its own monotonic clock (claim time + lease − margin) and stops before the wire.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.channels.factory import build_sender
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models
from companion.reminders.dispatch import metrics
from companion.reminders.dispatch.channels import PUSH_CHANNELS
from companion.reminders.dispatch.claiming import claim_due
from companion.reminders.dispatch.settings import DispatchSettings
from companion.reminders.models import Reminder
from tests.reminders import rows

LEASE = 2.0  # the margin is then 0.4 s (a fifth of the lease): rows go out until 1.6 s after the claim


@pytest.fixture
def fcm_sender(fcm_config):
    sender = build_sender({**fcm_config, "FCM_TIMEOUT_SECONDS": 10})
    yield sender
    sender.close()


def _state(reminder_id: int) -> tuple[str, str | None]:
    rows.statuses()  # a fresh read
    row = db.session.execute(select(Reminder.status, Reminder.claimed_by).where(Reminder.id == reminder_id)).one()
    db.session.commit()
    return row.status, row.claimed_by


def test_sendable_window_is_the_lease_less_its_margin():
    assert DispatchSettings(lease_seconds=120, fence_margin_seconds=2).sendable_seconds == 118
    assert DispatchSettings(lease_seconds=5, fence_margin_seconds=2).sendable_seconds == 4  # a fifth at most


def test_a_claim_held_up_past_its_deadline_is_not_sent_and_goes_to_the_next_holder(
    make_dispatcher, fake_fcm, fcm_sender
):
    """Why: a dispatcher stalled (cut off, paused) past its lease must not send what another now holds."""
    owner = rows.clinic()
    person = rows.patient(owner)
    rows.device(of=person)
    first = rows.reminder(person, due_in=timedelta(minutes=-2))
    second = rows.reminder(person, due_in=timedelta(minutes=-1))
    # Batches of two, claimed a row at a time: the second row is claimed while the first is on the
    # wire, and FCM answering the first takes longer than the second's sendable window.
    stalled = make_dispatcher(fcm_sender, name="stalled", batch_size=2, lease_seconds=LEASE)
    fake_fcm.delay(LEASE + 0.5)
    fenced_before = metrics.FENCED._value.get()

    stats = stalled.run_pass(budget_seconds=None)

    assert stats.claimed == 2 and stats.sent == 1 and stats.fenced == 1
    assert metrics.FENCED._value.get() == fenced_before + 1
    sent_ids = [body["message"]["data"]["reminder_id"] for body in fake_fcm.bodies()]
    assert sent_ids == [str(first.id)]
    assert _state(second.id) == (models.CLAIMED, "stalled")  # untouched: not sent, not released

    # Once the lease has run out the row is another dispatcher's, and it goes out once.
    fake_fcm.delay(0)
    clock.freeze(clock.now() + timedelta(seconds=LEASE + 1))
    successor = make_dispatcher(fcm_sender, name="successor")
    assert successor.housekeeping()["released_leases"] == 1
    assert successor.run_pass(budget_seconds=None).sent == 1
    sent_ids = [body["message"]["data"]["reminder_id"] for body in fake_fcm.bodies()]
    assert sorted(sent_ids) == sorted([str(first.id), str(second.id)])
    assert _state(second.id) == (models.SENT, None)


def test_a_claim_sent_in_time_is_not_fenced(make_dispatcher, fake_fcm, fcm_sender):
    owner = rows.clinic()
    person = rows.patient(owner)
    rows.device(of=person)
    for minutes in (-3, -2, -1):
        rows.reminder(person, due_in=timedelta(minutes=minutes))
    stats = make_dispatcher(fcm_sender, batch_size=2, lease_seconds=LEASE).run_pass(budget_seconds=None)
    assert (stats.sent, stats.fenced) == (3, 0)
    assert len(fake_fcm.bodies()) == 3


def test_a_dispatcher_whose_clock_is_ahead_does_not_take_a_live_lease(make_dispatcher):
    """Why: with clocks 30 s apart, a lease still running on its holder's clock must not be taken over."""
    owner = rows.clinic()
    person = rows.patient(owner)
    rows.device(of=person)
    row = rows.reminder(person)
    holder = make_dispatcher(name="holder", lease_seconds=10)
    assert len(claim_for(holder)) == 1

    clock.freeze(clock.now() + timedelta(seconds=30))  # the other host's clock runs 30 s ahead
    ahead = make_dispatcher(name="ahead", clock_skew_seconds=35)
    assert ahead.housekeeping()["released_leases"] == 0
    assert _state(row.id) == (models.CLAIMED, "holder")
    unaware = make_dispatcher(name="unaware")  # the same clock without the setting takes it
    assert unaware.housekeeping()["released_leases"] == 1


def claim_for(dispatcher):
    s = dispatcher.settings
    return claim_due(
        dispatcher.engine,
        claimer=dispatcher.name,
        limit=10,
        lease_seconds=s.lease_seconds,
        now=clock.now(),
        channels=PUSH_CHANNELS,
    )
