"""Patient app API: everything under /v1/me is the signed-in patient's own.

One facade for the app: each endpoint calls the one domain service it needs, so the
domains below never import one another to serve the app.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from companion.alerts import replies
from companion.alerts.schemas import CheckInPageSchema, CheckInSchema
from companion.checkins.schemas import CheckInCreateSchema
from companion.core import idempotency
from companion.core.api import link_to, links
from companion.core.auth import PATIENT_SECURITY
from companion.core.openapi import IDEMPOTENT
from companion.core.pagination import PageArgsSchema
from companion.courses import service as courses
from companion.courses.aftercare import aftercare_sheet
from companion.courses.schemas import AppointmentPageSchema
from companion.devices import service as devices
from companion.devices.schemas import DeviceCreateSchema, DeviceSchema
from companion.me import service
from companion.me.schemas import AftercareSheetSchema
from companion.patients.schemas import MePrefsSchema, PatientSchema
from companion.patients.service import current_patient, current_session_id, require_patient
from companion.privacy import service as privacy
from companion.privacy.schemas import PatientExportSchema
from companion.reminders import service as reminders
from companion.reminders.schemas import ReminderSchema
from companion.treatments import service as treatments
from companion.treatments.schemas import StatusArgsSchema, StatusSchema, TimelineSchema

blp = Blueprint("me", __name__, url_prefix="/v1/me", description="Patient app")
blp.before_request(require_patient)


@blp.route("")
class Me(MethodView):
    @blp.doc(operationId="getMe", security=PATIENT_SECURITY)
    @blp.response(200, PatientSchema)
    def get(self) -> object:
        """The signed-in patient."""
        return current_patient()

    @blp.doc(operationId="updateMe", security=PATIENT_SECURITY)
    @blp.arguments(MePrefsSchema)
    @blp.response(200, PatientSchema)
    def patch(self, data: dict[str, Any]) -> object:
        """Change time zone, locale, quiet hours or the message categories received; pending
        reminders are re-planned (a muted category's are skipped, never silently dropped)."""
        return service.update_preferences(current_patient(), data)


@blp.route("/export", methods=["GET"])
@blp.doc(operationId="exportMe", security=PATIENT_SECURITY)
@blp.response(200, PatientExportSchema)
def export() -> object:
    """Everything held about you as one JSON document: what your clinic can download, without
    its staff's internal notes on alerts and without the network addresses of its staff and systems."""
    return privacy.own_export(current_patient())


@blp.route("/devices", methods=["POST"])
@blp.doc(
    operationId="registerDevice",
    security=PATIENT_SECURITY,
    **links(201, RemoveDevice=link_to("DELETE", "/v1/me/devices/{device_id}", device_id="$response.body#/id")),
)
@blp.arguments(DeviceCreateSchema)
@blp.response(201, DeviceSchema)
@blp.alt_response(200, schema=DeviceSchema, description="Already registered")
@blp.alt_response(409, response="CONFLICT", description="device_in_use: the phone belongs to another account")
def register_device(data: dict[str, Any]) -> object:
    """Register this phone for reminder pushes."""
    device, created = devices.register_patient_device(current_patient().id, data, session_id=current_session_id())
    return device, 201 if created else 200


@blp.route("/devices/<int:device_id>", methods=["DELETE"])
@blp.doc(operationId="removeDevice", security=PATIENT_SECURITY)
@blp.response(204)
def remove_device(device_id: int) -> None:
    """Stop pushes to this phone: its `id` from the registration answer."""
    devices.remove_device(device_id, patient_id=current_patient().id)


def remove_device_by_identifier(identifier: str) -> ResponseReturnValue:
    """Deprecated, removed in the next release: the push identifier in the path ends up in access
    logs. Use `DELETE /v1/me/devices/{device_id}`."""
    devices.remove_device(identifier=identifier, patient_id=current_patient().id)
    return "", 204


# Served but left out of the OpenAPI document: its path differs from the one above only by the
# parameter's name, which no client generator can tell apart (docs/api.md lists it as deprecated).
FlaskBlueprint.add_url_rule(
    blp, "/devices/<path:identifier>", view_func=remove_device_by_identifier, methods=["DELETE"]
)


@blp.route("/timeline", methods=["GET"])
@blp.doc(operationId="getMyTimeline", security=PATIENT_SECURITY)
@blp.response(200, TimelineSchema)
def timeline() -> object:
    """Your treatments with their reminders."""
    return treatments.timeline_for(current_patient())


@blp.route("/status", methods=["GET"])
@blp.doc(operationId="getMyStatus", security=PATIENT_SECURITY)
@blp.arguments(StatusArgsSchema, location="query")
@blp.response(200, StatusSchema)
def status(args: dict[str, Any]) -> object:
    """Each restriction: active or not, and until when (at ?at= or now)."""
    return treatments.status_for(current_patient(), args.get("at"))


@blp.route("/reminders/<int:reminder_id>", methods=["GET"])
@blp.doc(operationId="getMyReminder", security=PATIENT_SECURITY)
@blp.response(200, ReminderSchema)
def reminder(reminder_id: int) -> object:
    """The text behind a push (pushes carry only the id)."""
    return reminders.open_reminder(current_patient(), reminder_id)


@blp.route("/reminders/<int:reminder_id>/ack", methods=["POST"])
@blp.doc(operationId="acknowledgeReminder", security=PATIENT_SECURITY)
@blp.response(200, ReminderSchema)
def acknowledge(reminder_id: int) -> object:
    """Mark a reminder as read."""
    return reminders.acknowledge(current_patient(), reminder_id)


@blp.route("/checkins", methods=["POST"])
@blp.doc(operationId="createCheckIn", security=PATIENT_SECURITY)
@blp.doc(**IDEMPOTENT)
@blp.arguments(CheckInCreateSchema)
@blp.response(201, CheckInSchema)
@blp.alt_response(409, response="CONFLICT", description="Idempotency-Key reused")
def submit_checkin(data: dict[str, Any]) -> object:
    """Rate symptoms; the answer says whether this is the expected course and what to do."""
    checkin, replayed = replies.submit_checkin(current_patient(), data, idempotency.request_key())
    return checkin, 201, idempotency.replay_headers(replayed)


@blp.route("/checkins", methods=["GET"])
@blp.doc(operationId="listMyCheckIns", security=PATIENT_SECURITY)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CheckInPageSchema)
def my_checkins(args: dict[str, Any]) -> object:
    """Your check-ins, newest first."""
    return replies.patient_checkins_page(current_patient(), args["limit"], args["offset"])


@blp.route("/appointments", methods=["GET"])
@blp.doc(operationId="listMyAppointments", security=PATIENT_SECURITY)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AppointmentPageSchema)
def my_appointments(args: dict[str, Any]) -> object:
    """Booked, attended and cancelled visits, soonest first."""
    return courses.own_appointments_page(current_patient(), args["limit"], args["offset"])


@blp.route("/aftercare", methods=["GET"])
@blp.doc(operationId="getMyAftercare", security=PATIENT_SECURITY)
@blp.response(200, AftercareSheetSchema)
def aftercare() -> object:
    """The aftercare sheet in the patient's language: restrictions and until when, what is
    expected, warning and urgent signs, the clinic's contact, the provider's notes, the next visit."""
    return aftercare_sheet(current_patient())
