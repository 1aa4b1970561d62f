"""Clinic API: a patient's check-in history and the triage rules (the app's own
check-ins are under /v1/me)."""

from __future__ import annotations

from flask_smorest import Blueprint

from companion.checkins import schemas as s
from companion.checkins import service
from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.core.pagination import PageArgsSchema

history = Blueprint("patient_checkins", __name__, url_prefix="/v1/patients", description="Clinic: check-ins")
history.before_request(require_clinic)


@history.route("/<int:patient_id>/checkins", methods=["GET"])
@history.doc(operationId="listPatientCheckIns", security=CLINIC_SECURITY)
@history.arguments(PageArgsSchema, location="query")
@history.response(200, s.CheckInPageSchema)
def patient_history(args, patient_id):
    """The patient's check-ins, newest first."""
    return service.clinic_patient_checkins_page(current_clinic(), patient_id, args["limit"], args["offset"])


rules = Blueprint("triage_rules", __name__, url_prefix="/v1/triage-rules", description="Clinic: triage rules")
rules.before_request(require_clinic)


@rules.route("", methods=["GET"])
@rules.doc(operationId="listTriageRules", security=CLINIC_SECURITY)
@rules.arguments(PageArgsSchema, location="query")
@rules.response(200, s.TriageRulePageSchema)
def triage_rules(args):
    """The rules a check-in is triaged by, most severe first: what your patients are told and why."""
    return service.triage_rules(args["limit"], args["offset"])
