"""Must-see reminders whose push nobody opened: one SMS or e-mail follows.

A must-see reminder (marked in the protocol file) pushed to an app owes a fallback
from `fallback_due_at` (set when the push was recorded as sent). A pass claims the
rows that fell due by moving that time one lease ahead, in one statement that skips
other dispatchers' rows (SKIP LOCKED; SQLite's write lock), so two dispatchers never
take the same row; a dispatcher that dies leaves it due again once the lease ends.
Then the rules of the fallback path apply: nothing if the reminder was opened or
acknowledged, has expired or already went by SMS or e-mail; the patient's quiet hours
defer it to their end; one message per patient for what falls due together; the
patient's consented, valid channel (fallback.py). Only rows that owe a fallback are
in the partial index this reads, never every sent reminder.

An SMS Twilio accepted and later reported `undelivered` or `failed` puts its reminder here too
(companion/messaging/service.py): it goes by another channel, never the lost one again, or is
marked undeliverable with the reason when none is left.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from companion.channels import base as push
from companion.channels.models import Delivery
from companion.core.db import among, insert_rows
from companion.reminders.dispatch import fallback, metrics, quiet
from companion.reminders.dispatch.claiming import CLAIM_COLUMNS, ClaimedReminder, c, reminders, write_transaction
from companion.reminders.dispatch.outcomes import RetryPolicy
from companion.reminders.dispatch.recording import delivery_row
from companion.reminders.dispatch.settings import DispatchSettings
from companion.reminders.models import SENT, UNDELIVERABLE

# What Twilio reports of an SMS it accepted but could not hand over.
LOST = ("undelivered", "failed")

log = logging.getLogger("companion.reminders.dispatch.must_see")
deliveries = Delivery.__table__

_STATE = (c.status, c.opened_at, c.acknowledged_at)


def claim_owed(engine: Engine, *, now: datetime, lease: timedelta, limit: int) -> tuple[list[Row[Any]], datetime]:
    """Take up to `limit` rows whose fallback is due; returns them and the lease they now hold."""
    held_until = now + lease
    due = select(c.id).where(c.fallback_due_at <= now).order_by(c.fallback_due_at).limit(limit)
    with engine.connect() as connection:  # usually nothing is owed: a read, not SQLite's write lock
        if connection.execute(due.limit(1)).first() is None:
            return [], held_until
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            locked = due.with_for_update(skip_locked=True).cte("owed").prefix_with("MATERIALIZED")
            statement = update(reminders).where(c.id == locked.c.id, c.fallback_due_at <= now)
        else:
            statement = update(reminders).where(c.id.in_(due.scalar_subquery()))
        rows = connection.execute(statement.values(fallback_due_at=held_until).returning(*CLAIM_COLUMNS, *_STATE)).all()
    return list(rows), held_until


def run_pass(
    engine: Engine, sender: push.PushSender, settings: DispatchSettings, *, now: datetime, limit: int = 500
) -> dict[str, int]:
    """Claim the fallbacks that fell due and send them; returns what became of them."""
    rows, held_until = claim_owed(engine, now=now, lease=timedelta(seconds=settings.lease_seconds), limit=limit)
    counts = {"claimed": len(rows), "sent": 0, "deferred": 0, "not_owed": 0, "undeliverable": 0}
    if not rows:
        return counts
    claimed = {row.id: ClaimedReminder(**{col.name: row._mapping[col.name] for col in CLAIM_COLUMNS}) for row in rows}
    next_due: dict[int, datetime | None] = {}
    with engine.connect() as connection:
        already, lost = _carried(connection, claimed)
        for row in rows:
            seen = row.opened_at is not None or row.acknowledged_at is not None
            if row.status != SENT or seen or row.expires_at <= now or row.id in already or row.patient_id is None:
                next_due[row.id] = None
        left = [r for r in claimed.values() if r.id not in next_due]
        held = quiet.held_until(connection, left, now)
        next_due.update(held)
        left = [r for r in left if r.id not in held]
        excluding: dict[int, set[str]] = defaultdict(set)
        for r in left:
            if r.patient_id is not None:
                excluding[r.patient_id] |= set(lost.get(r.id, {}))
        found = fallback.reach(connection, set(excluding), excluding)
    links = fallback.Links(public_url=settings.public_url, ttl=settings.link_ttl, now=now)
    groups: dict[int, list[ClaimedReminder]] = defaultdict(list)
    unreached: dict[int, str] = {}
    for r in left:
        if r.patient_id in found:
            groups[r.patient_id].append(r)
        else:
            next_due[r.id] = None  # no consented, valid channel: nothing to send
            if r.id in lost:  # and what was sent never arrived
                unreached[r.id] = "; ".join(lost[r.id].values())[:150] + "; no other channel"
    counts["undeliverable"] = len(unreached)
    messages = [fallback.message(group, pid, found[pid], links) for pid, group in groups.items()]
    links.save(engine)
    results = _send(sender, messages)
    counts["deferred"] = sum(1 for until in next_due.values() if until is not None)
    counts["not_owed"] = len(next_due) - counts["deferred"]
    for message, result in zip(messages, results, strict=True):
        for reminder_id in message.covers:
            next_due[reminder_id] = _after(result, claimed[reminder_id], settings.policy, now)
        counts["sent"] += result.outcome == push.SENT
    _record(engine, messages, results, next_due, held_until, sender.name, now, unreached)
    if unreached:
        metrics.REMINDERS.labels(UNDELIVERABLE).inc(len(unreached))
    return counts


def _carried(connection: Connection, ids: Collection[int]) -> tuple[set[int], dict[int, dict[str, str]]]:
    """Reminders an SMS or e-mail reached, and per other reminder the channels whose message the
    provider accepted but later reported lost (Twilio's `undelivered`), with the reason."""
    found = connection.execute(
        select(deliveries.c.reminder_id, deliveries.c.channel, deliveries.c.provider_status, deliveries.c.error_code)
        .where(
            among(connection, deliveries.c.reminder_id, ids),
            deliveries.c.channel.in_(push.CONTACT_KINDS),
            deliveries.c.outcome == "sent",
        )
        .order_by(deliveries.c.id)
    ).all()
    carried = {row.reminder_id for row in found if row.provider_status not in LOST}
    lost: dict[int, dict[str, str]] = defaultdict(dict)
    for row in found:
        if row.reminder_id not in carried and row.provider_status in LOST:
            reason = f"{row.channel.upper()}_{row.provider_status.upper()}"
            lost[row.reminder_id][row.channel] = f"{reason} ({row.error_code})" if row.error_code else reason
    return carried, dict(lost)


def _send(sender: push.PushSender, messages: list[push.PushMessage]) -> list[push.PushResult]:
    if not messages:
        return []
    try:
        answered = list(push.start(sender, messages)())
    except Exception as error:  # a sender bug must not lose the fallback: it is tried again
        log.exception("fallback sender %s raised", sender.name)
        answered = []
        detail = f"{type(error).__name__}: {error}"[:500]
    else:
        detail = "no result from the sender"
    missing = messages[len(answered) :]
    return answered[: len(messages)] + [
        push.PushResult(m.device_id, push.RETRY, error_code="SENDER_ERROR", detail=detail) for m in missing
    ]


def _after(result: push.PushResult, r: ClaimedReminder, policy: RetryPolicy, now: datetime) -> datetime | None:
    """When to try again: only after a passing failure, and only while the reminder is still useful."""
    if result.outcome not in (push.RETRY, push.BACKOFF):
        return None
    again = now + timedelta(seconds=policy.retry_delay(r.attempts, result.retry_after))
    return again if again < r.expires_at else None


def _record(
    engine: Engine,
    messages: Sequence[push.PushMessage],
    results: Sequence[push.PushResult],
    next_due: dict[int, datetime | None],
    held_until: datetime,
    backend: str,
    now: datetime,
    unreached: dict[int, str],
) -> None:
    """Deliveries, what providers said about the address, and each row's next fallback time,
    in one transaction; a row whose lease another dispatcher took over is left alone."""
    by_time: dict[datetime | None, list[int]] = defaultdict(list)
    for reminder_id, until in next_due.items():
        by_time[until].append(reminder_id)
    with write_transaction(engine) as connection:
        if messages:
            insert_rows(
                connection,
                deliveries,
                [
                    delivery_row(reminder_id, message, result, backend, now)
                    for message, result in zip(messages, results, strict=True)
                    for reminder_id in message.covers
                ],
            )
        fallback.mark_addresses(connection, list(messages), list(results), now)
        for reminder_id, reason in unreached.items():
            connection.execute(
                update(reminders)
                .where(c.id == reminder_id, c.fallback_due_at == held_until)
                .values(status=UNDELIVERABLE, last_error=reason, fallback_due_at=None, updated_at=now)
            )
        for until, ids in by_time.items():
            connection.execute(
                update(reminders)
                .where(among(connection, c.id, ids), c.fallback_due_at == held_until)
                .values(fallback_due_at=until)
            )
