"""Clinic API: results over a period."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.reports import service
from companion.reports.schemas import EngagementArgsSchema, EngagementSchema

blp = Blueprint("reports", __name__, url_prefix="/v1/reports", description="Clinic: results")
blp.before_request(require_clinic)


@blp.route("/engagement", methods=["GET"])
@blp.doc(operationId="getEngagementReport", security=CLINIC_SECURITY)
@blp.arguments(EngagementArgsSchema, location="query")
@blp.response(200, EngagementSchema)
def engagement(args: dict[str, Any]) -> object:
    """Reminders planned, sent, opened and acknowledged per kind and channel; check-in prompts
    answered; alerts by severity with the median time to acknowledge; series sessions rebooked
    on time; patients no reminder reached."""
    return service.engagement(current_clinic(), args.get("from_"), args.get("to"), args.get("protocol"))
