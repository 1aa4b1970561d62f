"""Drill 1: a dispatcher draining 5,000 reminders is SIGKILLed (1–3 s into its work) and restarted ten times.

Every reminder must end sent; a phone may get a reminder again only if a killed
dispatcher had it in flight (its lease ran out and another sent it again): one
repeat per killed batch that held it, never more.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models
from companion.reminders.models import Reminder
from devtools import processes
from tests.reminders import rows

pytestmark = pytest.mark.slow

REMINDERS = 5_000
KILLS = 10
LEASE_SECONDS = 2


def _held_by(name: str) -> set[str]:
    rows.statuses()  # a fresh read
    query = select(Reminder.id).where(Reminder.status == models.CLAIMED, Reminder.claimed_by == name)
    held = {str(i) for i in db.session.scalars(query)}
    db.session.commit()
    return held


def _wait_until_working(name: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        rows.statuses()  # a fresh read
        claimed = db.session.scalar(select(db.func.count()).where(Reminder.claimed_by == name))
        db.session.commit()
        if claimed:
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} claimed nothing in {limit:.0f} s")


def test_ten_kills_lose_nothing(ctx, database_url, fake_fcm, fcm_config):
    ids = rows.many_due(REMINDERS, patients=100, lasts=timedelta(hours=2))
    fake_fcm.delay(0.5)  # slow enough that every kill lands mid-batch
    settings = {
        "PUSH_BACKEND": "fcm",
        "FIREBASE_CREDENTIALS": fcm_config["FIREBASE_CREDENTIALS"],
        "FCM_ENDPOINT": fcm_config["FCM_ENDPOINT"],
        "FCM_TIMEOUT_SECONDS": "10",
        "DISPATCH_LEASE_SECONDS": LEASE_SECONDS,
        "DISPATCH_INTERVAL_SECONDS": "0.2",
    }
    held_at_kill: Counter[str] = Counter()  # reminder id -> killed batches that held it
    chance = random.Random(7)
    for life in range(KILLS):
        name = f"victim-{life}"
        victim = processes.spawn_dispatcher(database_url, "--name", name, "--batch", "250", **settings)
        try:
            _wait_until_working(name)  # a start-up slowed by a busy machine must not make the kill a no-op
            time.sleep(chance.uniform(1.0, 3.0))
            victim.kill()  # SIGKILL: no cleanup at all
            victim.wait(timeout=10)
        finally:
            processes.kill(victim)
        held_at_kill.update(_held_by(name))
    processes.wait_until(_leases_lapsed, timeout=LEASE_SECONDS + 30, every=0.1)
    fake_fcm.delay(0)
    summary = processes.run_once(database_url, "--name", "survivor", timeout=120, **settings)

    assert rows.statuses() == {models.SENT: REMINDERS}, summary
    assert summary["sent"] < REMINDERS  # the killed dispatchers did real work between kills
    per_reminder = Counter(body["message"]["data"]["reminder_id"] for body in fake_fcm.bodies())
    devices_of = Counter(str(d.reminder_id) for d in _sent_deliveries())
    lost = {str(i) for i in ids} - set(per_reminder)
    repeats = {rid: n // devices_of[rid] - 1 for rid, n in per_reminder.items() if n > devices_of[rid]}
    print(
        f"crash drill: {REMINDERS} reminders, {KILLS} kills, survivor sent {summary['sent']}, lost {len(lost)}, "
        f"sent again {len(repeats)} (of which more than once: {sum(1 for n in repeats.values() if n > 1)}), "
        f"all inside killed batches: {set(repeats) <= set(held_at_kill)}"
    )
    assert lost == set()
    assert all(n % devices_of[rid] == 0 for rid, n in per_reminder.items())  # whole reminders, every device
    assert {rid: n for rid, n in repeats.items() if n > held_at_kill[rid]} == {}


def _leases_lapsed() -> bool:
    """Every lease the killed dispatchers held has run out: the survivor may claim their rows."""
    rows.statuses()  # a fresh read
    latest = db.session.scalar(select(db.func.max(Reminder.lease_until)).where(Reminder.status == models.CLAIMED))
    db.session.commit()
    return latest is None or latest < clock.now()


def _sent_deliveries():
    from companion.channels.models import Delivery

    query = select(Delivery.reminder_id).where(Delivery.outcome == "sent")
    result = db.session.execute(query).all()
    db.session.commit()
    return result
