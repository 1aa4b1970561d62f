"""Clinic API: enrolling patients; the app's sign-in with its one-time code."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core import idempotency
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY, PATIENT_SECURITY
from companion.core.openapi import IDEMPOTENT
from companion.core.pagination import PageArgsSchema
from companion.patients import schemas as s
from companion.patients import service

blp = Blueprint("patients", __name__, url_prefix="/v1/patients", description="Clinic: patients")
blp.before_request(require_clinic)
_PATIENT = {"patient_id": "$response.body#/id"}
_ENROLLED = links(
    201,
    ShowPatient=link_to("GET", "/v1/patients/{patient_id}", **_PATIENT),
    NewEnrollmentCode=link_to("POST", "/v1/patients/{patient_id}/enrollment-code", **_PATIENT),
    RecordTreatment=link_to("POST", "/v1/patients/{patient_id}/treatments", **_PATIENT),
    ListTreatments=link_to("GET", "/v1/patients/{patient_id}/treatments", **_PATIENT),
    ListCheckIns=link_to("GET", "/v1/patients/{patient_id}/checkins", **_PATIENT),
)


@blp.route("")
class Patients(MethodView):
    @blp.doc(operationId="listPatients", security=CLINIC_SECURITY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, s.PatientPageSchema)
    def get(self, args: dict[str, Any]) -> object:
        """List your clinic's patients."""
        return service.list_patients(current_clinic(), args["limit"], args["offset"])

    @blp.doc(operationId="createPatient", security=CLINIC_SECURITY, **_ENROLLED)
    @blp.doc(**IDEMPOTENT)
    @blp.arguments(s.PatientCreateSchema)
    @blp.response(201, s.EnrolledPatientSchema)
    @blp.alt_response(
        409, response="CONFLICT", description="external_ref_taken: external_ref already used in your clinic"
    )
    def post(self, data: dict[str, Any]) -> object:
        """Enroll a patient; the one-time enrollment code is shown only in this response.

        A retry with the same Idempotency-Key answers the same patient with a new code (the
        first one stops working: its response never reached you)."""
        enrolled, replayed = service.enroll_patient(current_clinic(), data, idempotency.request_key())
        return enrolled, 201, idempotency.replay_headers(replayed)


@blp.route("/<int:patient_id>")
class PatientDetail(MethodView):
    @blp.doc(operationId="getPatient", security=CLINIC_SECURITY)
    @blp.response(200, s.PatientSchema)
    def get(self, patient_id: int) -> object:
        """One patient, with screening warnings."""
        return service.get_patient(current_clinic(), patient_id)

    @blp.doc(operationId="updatePatient", security=CLINIC_SECURITY)
    @blp.arguments(s.PatientUpdateSchema)
    @blp.response(200, s.PatientSchema)
    def patch(self, data: dict[str, Any], patient_id: int) -> object:
        """Update the screening (restated whole) or the name; warnings come back with it."""
        return service.update_patient(current_clinic(), patient_id, data)


@blp.route("/<int:patient_id>/enrollment-code", methods=["POST"])
@blp.doc(operationId="createEnrollmentCode", security=CLINIC_SECURITY)
@blp.arguments(s.ReissueArgsSchema, location="query")
@blp.response(201, s.EnrollmentCodeSchema)
def new_enrollment_code(args: dict[str, Any], patient_id: int) -> object:
    """Issue a new one-time code (the old unused one stops working). Phones already signed in
    stay signed in unless `end_sessions=true` (a lost phone)."""
    return service.reissue_enrollment_code(current_clinic(), patient_id, end_sessions=args["end_sessions"])


@blp.route("/<int:patient_id>/sessions", methods=["DELETE"])
@blp.doc(operationId="endPatientSessions", security=CLINIC_SECURITY)
@blp.response(204)
def end_sessions(patient_id: int) -> None:
    """Sign the patient out everywhere (a lost phone); their phones stop receiving pushes."""
    service.end_all_sessions(current_clinic(), patient_id)


sessions = Blueprint("patient_sessions", __name__, url_prefix="/v1/patient-sessions", description="Patient app sign-in")


@sessions.route("", methods=["POST"])
@sessions.doc(operationId="createPatientSession")
@sessions.arguments(s.SessionCreateSchema)
@sessions.response(201, s.SessionSchema)
@sessions.alt_response(401, response="UNAUTHORIZED", description="Unknown, used or expired enrollment code")
def start_session(data: dict[str, Any]) -> object:
    """Trade the enrollment code (works once) for a patient bearer token."""
    return service.start_session(data["enrollment_code"])


@sessions.route("/current", methods=["DELETE"])
@sessions.doc(operationId="endPatientSession", security=PATIENT_SECURITY)
@sessions.response(204)
def end_session() -> None:
    """Sign out: this token stops working."""
    service.end_session()
