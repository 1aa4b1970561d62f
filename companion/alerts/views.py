"""Clinic API: the alert work list; acknowledge, then resolve with a note."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.alerts import replies, service
from companion.alerts import schemas as s
from companion.clinics.service import current_clinic, require_clinic
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema


def _alert(source: str) -> dict[str, Any]:
    alert_id = {"alert_id": source}
    return {
        "ShowAlert": link_to("GET", "/v1/alerts/{alert_id}", **alert_id),
        "AcknowledgeAlert": link_to("POST", "/v1/alerts/{alert_id}/acknowledge", **alert_id),
        "ResolveAlert": link_to("POST", "/v1/alerts/{alert_id}/resolve", **alert_id),
    }


blp = Blueprint("alerts", __name__, url_prefix="/v1/alerts", description="Clinic: alerts")
blp.before_request(require_clinic)


@blp.route("", methods=["GET"])
@blp.doc(operationId="listAlerts", security=CLINIC_SECURITY, **links(200, **_alert("$response.body#/items/0/id")))
@blp.arguments(s.AlertListArgsSchema, location="query")
@blp.response(200, s.AlertPageSchema)
def list_alerts(args: dict[str, Any]) -> object:
    """Your clinic's alerts, newest first."""
    return service.list_alerts(current_clinic(), args.get("status"), args["limit"], args["offset"])


@blp.route("/<int:alert_id>", methods=["GET"])
@blp.doc(operationId="getAlert", security=CLINIC_SECURITY)
@blp.response(200, s.AlertSchema)
def show_alert(alert_id: int) -> object:
    """One alert."""
    return service.get_alert(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@blp.doc(operationId="acknowledgeAlert", security=CLINIC_SECURITY, **links(200, **_alert("$response.body#/id")))
@blp.response(200, s.AlertSchema)
def acknowledge(alert_id: int) -> object:
    """Acknowledge an alert: its urgent re-sends stop."""
    return service.acknowledge(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/resolve", methods=["POST"])
@blp.doc(operationId="resolveAlert", security=CLINIC_SECURITY)
@blp.arguments(s.ResolveSchema)
@blp.response(200, s.AlertSchema)
@blp.alt_response(409, response="CONFLICT", description="Already resolved")
def resolve(data: dict[str, Any], alert_id: int) -> object:
    """Resolve an alert with a note."""
    return service.resolve(current_clinic(), alert_id, data["note"])


# A patient's check-ins as the clinic sees them, each with the alert it raised or joined: served
# from the alerts side, since check-ins know nothing of alerts.
history = Blueprint("patient_checkins", __name__, url_prefix="/v1/patients", description="Clinic: check-ins")
history.before_request(require_clinic)


@history.route("/<int:patient_id>/checkins", methods=["GET"])
@history.doc(operationId="listPatientCheckIns", security=CLINIC_SECURITY)
@history.arguments(PageArgsSchema, location="query")
@history.response(200, s.CheckInPageSchema)
def patient_history(args: dict[str, Any], patient_id: int) -> object:
    """The patient's check-ins, newest first, each with the alert it raised or joined."""
    return replies.clinic_patient_checkins_page(current_clinic(), patient_id, args["limit"], args["offset"])
