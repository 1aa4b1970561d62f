"""Patient app API: everything under /v1/me is the signed-in patient's own."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.core.auth import PATIENT_SECURITY
from companion.patients import devices, schemas as s, service
from companion.patients.sessions import current_patient, require_patient
from companion.reminders import service as reminders
from companion.treatments import patient_view
from companion.treatments.schemas import ReminderSchema, StatusArgsSchema, StatusSchema, TimelineSchema

blp = Blueprint("me", __name__, url_prefix="/v1/me", description="Patient app")
blp.before_request(require_patient)


@blp.route("")
class Me(MethodView):
    @blp.doc(security=PATIENT_SECURITY)
    @blp.response(200, s.PatientSchema)
    def get(self):
        return service.decorate(current_patient())

    @blp.doc(security=PATIENT_SECURITY)
    @blp.arguments(s.PatientPrefsSchema)
    @blp.response(200, s.PatientSchema)
    def patch(self, data):
        """Change time zone, locale or quiet hours; pending reminders are re-planned."""
        return service.update_preferences(current_patient(), data)


@blp.route("/devices", methods=["POST"])
@blp.doc(security=PATIENT_SECURITY)
@blp.arguments(s.DeviceCreateSchema)
@blp.response(201, s.DeviceSchema)
@blp.alt_response(200, schema=s.DeviceSchema, description="Already registered")
def register_device(data):
    device, created = devices.register_device(current_patient(), data)
    return device, 201 if created else 200


@blp.route("/devices/<path:identifier>", methods=["DELETE"])
@blp.doc(security=PATIENT_SECURITY)
@blp.response(204)
def remove_device(identifier):
    devices.remove_device(current_patient(), identifier)


@blp.route("/timeline", methods=["GET"])
@blp.doc(security=PATIENT_SECURITY)
@blp.response(200, TimelineSchema)
def timeline():
    return patient_view.timeline_for(current_patient())


@blp.route("/status", methods=["GET"])
@blp.doc(security=PATIENT_SECURITY)
@blp.arguments(StatusArgsSchema, location="query")
@blp.response(200, StatusSchema)
def status(args):
    """Each restriction: active or not, and until when (at ?at= or now)."""
    return patient_view.status_for(current_patient(), args.get("at"))


@blp.route("/reminders/<int:reminder_id>", methods=["GET"])
@blp.doc(security=PATIENT_SECURITY)
@blp.response(200, ReminderSchema)
def reminder(reminder_id):
    """The text behind a push (pushes carry only the id)."""
    return reminders.reminder_for(current_patient(), reminder_id)


@blp.route("/reminders/<int:reminder_id>/ack", methods=["POST"])
@blp.doc(security=PATIENT_SECURITY)
@blp.response(200, ReminderSchema)
def acknowledge(reminder_id):
    return reminders.acknowledge(current_patient(), reminder_id)
