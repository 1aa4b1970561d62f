"""Clinic API: the alert work list; acknowledge, then resolve with a note."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.alerts import schemas as s
from companion.alerts import service
from companion.clinics.service import current_clinic, require_clinic
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY


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
@blp.doc(security=CLINIC_SECURITY, **links(200, **_alert("$response.body#/0/id")))
@blp.arguments(s.AlertListArgsSchema, location="query")
@blp.response(200, s.AlertSchema(many=True))
def list_alerts(args: dict[str, Any]) -> object:
    return service.list_alerts(current_clinic(), args.get("status"))


@blp.route("/<int:alert_id>", methods=["GET"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(200, s.AlertSchema)
def show_alert(alert_id: int) -> object:
    return service.get_alert(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY, **links(200, **_alert("$response.body#/id")))
@blp.response(200, s.AlertSchema)
def acknowledge(alert_id: int) -> object:
    return service.acknowledge(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/resolve", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY)
@blp.arguments(s.ResolveSchema)
@blp.response(200, s.AlertSchema)
@blp.alt_response(409, response="CONFLICT", description="Already resolved")
def resolve(data: dict[str, Any], alert_id: int) -> object:
    return service.resolve(current_clinic(), alert_id, data["note"])


# A patient's check-ins as the clinic sees them, each with the alert it raised or joined: served
# from the alerts side, since check-ins know nothing of alerts.
history = Blueprint("patient_checkins", __name__, url_prefix="/v1/patients", description="Clinic: check-ins")
history.before_request(require_clinic)


@history.route("/<int:patient_id>/checkins", methods=["GET"])
@history.doc(security=CLINIC_SECURITY)
@history.response(200, s.CheckInSchema(many=True))
def patient_history(patient_id: int) -> object:
    return service.clinic_patient_checkins(current_clinic(), patient_id)
