"""Liveness for load balancers and operators: database reachable, dispatcher alive."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from companion.core import health_service

blp = Blueprint("health", __name__, description="Health")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    dispatcher = fields.Dict()


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="Database unreachable")
def healthz():
    report = health_service.check()
    return report, 200 if report["database"] == "ok" else 503
