"""Health and metrics for operators: read from the database, so every API worker answers the same."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch.claiming import IS_PENDING, c
from companion.reminders.dispatch.heartbeat import dispatcher_health
from companion.reminders.models import CANCELLED, CLAIMED, EXPIRED, FAILED, PENDING, SENT, UNDELIVERABLE

log = logging.getLogger(__name__)


def check() -> dict[str, Any]:
    try:
        db.session.execute(db.text("SELECT 1"))
        database = "ok"
    except Exception:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "degraded", "database": "unreachable", "dispatcher": {}}
    dispatcher = dispatcher_health()
    status = "ok" if not dispatcher.get("stale", False) else "degraded"
    return {"status": status, "database": database, "dispatcher": dispatcher}


STATUSES = (PENDING, CLAIMED, SENT, EXPIRED, UNDELIVERABLE, CANCELLED, FAILED)


class OutboxCollector:
    """One consistent read of the outbox per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        with db.engine.connect() as connection:
            backlog, oldest_due = connection.execute(
                select(func.count(), func.min(c.due_at)).where(IS_PENDING, c.available_at <= now, c.expires_at > now)
            ).one()
            counts: dict[str, int] = dict(connection.execute(select(c.status, func.count()).group_by(c.status)).all())
        yield GaugeMetricFamily("companion_reminders_due_backlog", "Pending reminders that are due now.", value=backlog)
        age = max(0.0, (now - oldest_due).total_seconds()) if oldest_due is not None else 0.0
        yield GaugeMetricFamily(
            "companion_reminders_oldest_due_age_seconds",
            "How late the oldest due, unsent reminder is.",
            value=age,
        )
        by_status = GaugeMetricFamily("companion_reminders", "Reminder rows by status.", labels=["status"])
        for status in sorted(set(STATUSES) | set(counts)):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
