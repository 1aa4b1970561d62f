"""`GET /metrics`: the outbox as Prometheus sees it, read from the database per scrape.

Computed at request time so every API worker answers the same; the dispatcher's
own counters (sends by outcome, lag) are served by the dispatcher process.
"""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.claiming import IS_PENDING, c, reminders
from companion.reminders.models import CANCELLED, CLAIMED, EXPIRED, FAILED, PENDING, SENT, UNDELIVERABLE

blp = Blueprint("reminder_metrics", __name__, description="Prometheus metrics of the reminder outbox.")

STATUSES = (PENDING, CLAIMED, SENT, EXPIRED, UNDELIVERABLE, CANCELLED, FAILED)


class OutboxCollector:
    """One consistent read of the outbox per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        with db.engine.connect() as connection:
            backlog, oldest_due = connection.execute(
                select(func.count(), func.min(c.due_at)).where(IS_PENDING, c.available_at <= now, c.expires_at > now)
            ).one()
            counts = dict(connection.execute(select(c.status, func.count()).group_by(c.status)).all())
        yield GaugeMetricFamily("companion_reminders_due_backlog", "Pending reminders that are due now.", value=backlog)
        age = max(0.0, (now - oldest_due).total_seconds()) if oldest_due is not None else 0.0
        yield GaugeMetricFamily(
            "companion_reminders_oldest_due_age_seconds", "How late the oldest due, unsent reminder is.", value=age,
        )
        by_status = GaugeMetricFamily("companion_reminders", "Reminder rows by status.", labels=["status"])
        for status in sorted(set(STATUSES) | set(counts)):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status


@blp.route("/metrics")
@blp.doc(summary="Prometheus metrics", responses={"200": {"description": "Prometheus text exposition format"}})
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxCollector())  # type: ignore[arg-type]
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
