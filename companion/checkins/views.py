"""Clinic API: the triage rules (a patient's check-in history, with the alerts it raised, is
served by alerts/views.py; the app's own check-ins are under /v1/me)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.checkins import schemas as s
from companion.checkins import service
from companion.clinics.service import require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema

rules = Blueprint("triage_rules", __name__, url_prefix="/v1/triage-rules", description="Clinic: triage rules")
rules.before_request(require_clinic)


@rules.route("", methods=["GET"])
@rules.doc(operationId="listTriageRules", security=CLINIC_SECURITY)
@rules.arguments(PageArgsSchema, location="query")
@rules.response(200, s.TriageRulePageSchema)
def triage_rules(args: dict[str, Any]) -> object:
    """The rules a check-in is triaged by, most severe first: what your patients are told and why."""
    return service.triage_rules(args["limit"], args["offset"])
