"""Operators' endpoints: `/healthz` (database reachable, dispatcher alive) and
`/metrics` (the outbox as Prometheus sees it, read per scrape; the dispatcher's own
counters are served by the dispatcher process)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from companion.core.http_security import operator_may_read
from companion.ops import service
from companion.ops.schemas import HealthSchema

blp = Blueprint("ops", __name__, description="Health and metrics")


@blp.route("/healthz", methods=["GET"])
@blp.doc(operationId="getHealth")
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="Database unreachable")
def healthz() -> object:
    """Status for anyone (load balancers); the dispatcher detail (hosts, process ids) for operators only."""
    report = service.check()
    status = 200 if report["database"] == "ok" else 503
    if not operator_may_read():
        report = {"status": report["status"], "database": report["database"]}
    return report, status


@blp.route("/metrics")
@blp.doc(
    operationId="getMetrics",
    summary="Prometheus metrics",
    responses={
        "200": {"description": "Prometheus text exposition format"},
        "401": {"description": "Neither from loopback nor with the operator token (COMPANION_OPS_TOKEN)"},
    },
)
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(service.OutboxCollector())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
