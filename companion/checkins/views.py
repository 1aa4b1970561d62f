"""Check-ins from the app; alerts and check-in history for the clinic."""
from __future__ import annotations

from flask_smorest import Blueprint

from companion.checkins import alerts, schemas as s, service
from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY, PATIENT_SECURITY
from companion.patients.sessions import current_patient, require_patient

me = Blueprint("me_checkins", __name__, url_prefix="/v1/me/checkins", description="Patient app: check-ins")
me.before_request(require_patient)
blp = Blueprint("alerts", __name__, url_prefix="/v1/alerts", description="Clinic: alerts")
blp.before_request(require_clinic)
history = Blueprint("patient_checkins", __name__, url_prefix="/v1/patients", description="Clinic: check-ins")
history.before_request(require_clinic)


@me.route("", methods=["POST"])
@me.doc(security=PATIENT_SECURITY)
@me.arguments(s.CheckInCreateSchema)
@me.response(201, s.CheckInSchema)
def submit(data):
    """Rate symptoms; the answer says whether this is the expected course and what to do."""
    return service.submit_checkin(current_patient(), data)


@me.route("", methods=["GET"])
@me.doc(security=PATIENT_SECURITY)
@me.response(200, s.CheckInSchema(many=True))
def mine():
    return service.patient_checkins(current_patient())


@history.route("/<int:patient_id>/checkins", methods=["GET"])
@history.doc(security=CLINIC_SECURITY)
@history.response(200, s.CheckInSchema(many=True))
def patient_history(patient_id):
    return service.clinic_patient_checkins(current_clinic(), patient_id)


@blp.route("", methods=["GET"])
@blp.doc(security=CLINIC_SECURITY)
@blp.arguments(s.AlertListArgsSchema, location="query")
@blp.response(200, s.AlertSchema(many=True))
def list_alerts(args):
    return alerts.list_alerts(current_clinic(), args.get("status"))


@blp.route("/<int:alert_id>", methods=["GET"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(200, s.AlertSchema)
def show_alert(alert_id):
    return alerts.get_alert(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(200, s.AlertSchema)
def acknowledge(alert_id):
    return alerts.acknowledge(current_clinic(), alert_id)


@blp.route("/<int:alert_id>/resolve", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY)
@blp.arguments(s.ResolveSchema)
@blp.response(200, s.AlertSchema)
@blp.alt_response(409, response="CONFLICT", description="Already resolved")
def resolve(data, alert_id):
    return alerts.resolve(current_clinic(), alert_id, data["note"])


rules = Blueprint("triage_rules", __name__, url_prefix="/v1/triage-rules", description="Clinic: triage rules")
rules.before_request(require_clinic)


@rules.route("", methods=["GET"])
@rules.doc(security=CLINIC_SECURITY)
@rules.response(200, s.TriageRuleSchema(many=True))
def triage_rules():
    """The rules a check-in is triaged by, most severe first: what your patients are told and why."""
    return service.triage_rules()
