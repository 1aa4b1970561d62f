"""Clinic API: a patient's appointments."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core import idempotency
from companion.core.auth import CLINIC_SECURITY
from companion.core.openapi import IDEMPOTENT
from companion.core.pagination import PageArgsSchema
from companion.courses import service
from companion.courses.schemas import (
    AppointmentCreateSchema,
    AppointmentPageSchema,
    AppointmentSchema,
    AppointmentUpdateSchema,
)

patient_appointments = Blueprint(
    "patient_appointments", __name__, url_prefix="/v1/patients", description="Clinic: appointments"
)
patient_appointments.before_request(require_clinic)

blp = Blueprint("appointments", __name__, url_prefix="/v1/appointments", description="Clinic: appointments")
blp.before_request(require_clinic)


@patient_appointments.route("/<int:patient_id>/appointments")
class PatientAppointments(MethodView):
    @patient_appointments.doc(operationId="listPatientAppointments", security=CLINIC_SECURITY)
    @patient_appointments.arguments(PageArgsSchema, location="query")
    @patient_appointments.response(200, AppointmentPageSchema)
    def get(self, args: dict[str, Any], patient_id: int) -> object:
        """The patient's appointments, soonest first (cancelled and attended ones included)."""
        return service.appointments_page(current_clinic(), patient_id, args["limit"], args["offset"])

    @patient_appointments.doc(operationId="createAppointment", security=CLINIC_SECURITY)
    @patient_appointments.doc(**IDEMPOTENT)
    @patient_appointments.arguments(AppointmentCreateSchema)
    @patient_appointments.response(201, AppointmentSchema)
    @patient_appointments.alt_response(409, response="CONFLICT", description="Idempotency-Key reused")
    def post(self, data: dict[str, Any], patient_id: int) -> object:
        """Book a visit: the course's rebooking and maintenance nudges stop; a reminder comes the day before."""
        key = idempotency.request_key()
        appointment, replayed = service.book_appointment(current_clinic(), patient_id, data, key)
        return appointment, 201, idempotency.replay_headers(replayed)


@blp.route("/<int:appointment_id>")
class AppointmentDetail(MethodView):
    @blp.doc(operationId="getAppointment", security=CLINIC_SECURITY)
    @blp.response(200, AppointmentSchema)
    def get(self, appointment_id: int) -> object:
        """One appointment."""
        return service.get_appointment(current_clinic(), appointment_id)

    @blp.doc(operationId="updateAppointment", security=CLINIC_SECURITY)
    @blp.arguments(AppointmentUpdateSchema)
    @blp.response(200, AppointmentSchema)
    @blp.alt_response(409, response="CONFLICT", description="Cancelled or attended")
    def patch(self, data: dict[str, Any], appointment_id: int) -> object:
        """Move the visit or change its note; its reminder moves with it."""
        return service.update_appointment(current_clinic(), appointment_id, data)

    @blp.doc(operationId="cancelAppointment", security=CLINIC_SECURITY)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT", description="Attended")
    def delete(self, appointment_id: int) -> None:
        """Cancel: the course's nudges come back while they are still useful."""
        service.cancel_appointment(current_clinic(), appointment_id)
