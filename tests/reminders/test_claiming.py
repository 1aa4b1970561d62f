"""Claims, leases and lost claims, against the real test database."""

from __future__ import annotations

from datetime import timedelta

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models
from companion.reminders.dispatch import PUSH_CHANNELS
from companion.reminders.dispatch.claiming import (
    claim_due,
    expire_stale,
    finish,
    release_claims,
    release_dead_leases,
    write_transaction,
)
from companion.reminders.models import Reminder
from tests.reminders import rows


def claim(name: str = "a", limit: int = 10, lease: float = 60):
    return claim_due(db.engine, claimer=name, limit=limit, lease_seconds=lease, now=clock.now(), channels=PUSH_CHANNELS)


def test_claims_only_due_rows_oldest_first_with_a_lease(ctx):
    clock.freeze(clock.now())
    person = rows.patient(rows.clinic())
    later = rows.reminder(person, due_in=timedelta(minutes=5))
    older = rows.reminder(person, due_in=timedelta(minutes=-10))
    newer = rows.reminder(person, due_in=timedelta(minutes=-1))

    claimed = claim(limit=10)

    assert [r.id for r in claimed] == [older.id, newer.id]
    held = rows.fresh(Reminder, older.id)
    assert (held.status, held.claimed_by) == (models.CLAIMED, "a")
    assert held.lease_until == clock.now() + timedelta(seconds=60)
    assert rows.fresh(Reminder, later.id).status == models.PENDING


def test_a_claimed_row_is_not_claimed_twice_and_limit_is_respected(ctx):
    person = rows.patient(rows.clinic())
    for _ in range(5):
        rows.reminder(person)
    first, second, third = claim("a", limit=3), claim("b", limit=3), claim("c", limit=3)
    assert (len(first), len(second), len(third)) == (3, 2, 0)
    assert not {r.id for r in first} & {r.id for r in second}


def test_stale_rows_are_expired_and_never_claimed(ctx):
    person = rows.patient(rows.clinic())
    stale = rows.reminder(person, due_in=timedelta(hours=-3), lasts=timedelta(hours=1))
    assert claim() == []
    assert expire_stale(db.engine, now=clock.now()) == 1
    assert rows.fresh(Reminder, stale.id).status == models.EXPIRED


def test_expired_lease_lets_another_dispatcher_take_the_row(ctx):
    clock.freeze(clock.now())
    person = rows.patient(rows.clinic())
    row = rows.reminder(person)
    assert [r.id for r in claim("dead", lease=30)] == [row.id]

    clock.advance(timedelta(seconds=29))
    assert release_dead_leases(db.engine, now=clock.now()) == 0
    assert claim("alive") == []

    clock.advance(timedelta(seconds=2))
    assert release_dead_leases(db.engine, now=clock.now()) == 1
    assert [r.id for r in claim("alive")] == [row.id]
    assert rows.fresh(Reminder, row.id).claimed_by == "alive"


def test_finishing_needs_the_claim_still_held(ctx):
    clock.freeze(clock.now())
    person = rows.patient(rows.clinic())
    mine, stolen, cancelled = (rows.reminder(person) for _ in range(3))
    claim("me", lease=10)
    # The lease ran out and another dispatcher took one row; re-planning cancelled another.
    clock.advance(timedelta(seconds=11))
    with write_transaction(db.engine) as connection:
        connection.execute(Reminder.__table__.update().where(Reminder.id == stolen.id).values(claimed_by="other"))
        connection.execute(
            Reminder.__table__.update().where(Reminder.id == cancelled.id).values(status=models.CANCELLED)
        )
    with write_transaction(db.engine) as connection:
        held = finish(
            connection,
            claimer="me",
            ids=[mine.id, stolen.id, cancelled.id],
            values={"status": models.SENT, "sent_at": clock.now()},
        )

    assert held == {mine.id}
    assert rows.fresh(Reminder, mine.id).status == models.SENT
    assert rows.fresh(Reminder, stolen.id).status == models.CLAIMED
    assert rows.fresh(Reminder, stolen.id).claimed_by == "other"
    assert rows.fresh(Reminder, cancelled.id).status == models.CANCELLED


def test_release_gives_back_only_our_claims(ctx):
    person = rows.patient(rows.clinic())
    for _ in range(4):
        rows.reminder(person)
    claim("me", limit=2)
    theirs = claim("them", limit=2)
    assert release_claims(db.engine, claimer="me", now=clock.now()) == 2
    assert rows.statuses() == {models.PENDING: 2, models.CLAIMED: 2}
    assert {r.claimed_by for r in (rows.fresh(Reminder, c.id) for c in theirs)} == {"them"}


def test_rows_of_a_channel_without_handler_are_not_claimed(ctx):
    owner = rows.clinic()
    rows.reminder(clinic_of=owner, channel=models.WEBHOOK, kind="alert")
    assert claim() == []
