"""Clinic API: enrolling patients and recording their treatments."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.core.errors import Invalid
from companion.core.fields import PageArgsSchema
from companion.patients import schemas as s
from companion.patients import service
from companion.treatments import service as treatments
from companion.treatments.schemas import TreatmentCreateSchema, TreatmentSchema

blp = Blueprint("patients", __name__, url_prefix="/v1/patients", description="Clinic: patients and treatments")
blp.before_request(require_clinic)


@blp.route("")
class Patients(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, s.PatientListSchema)
    def get(self, args):
        """List your clinic's patients."""
        return service.list_patients(current_clinic(), args["limit"], args["offset"])

    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(s.PatientCreateSchema)
    @blp.response(201, s.EnrolledPatientSchema)
    @blp.alt_response(409, response="CONFLICT", description="external_ref already used in your clinic")
    def post(self, data):
        """Enroll a patient; the one-time enrollment code is shown only in this response."""
        return service.enroll_patient(current_clinic(), data)


@blp.route("/<int:patient_id>")
class PatientDetail(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(200, s.PatientSchema)
    def get(self, patient_id):
        return service.get_patient(current_clinic(), patient_id)


@blp.route("/<int:patient_id>/enrollment-code", methods=["POST"])
@blp.doc(security=CLINIC_SECURITY)
@blp.response(201, s.EnrollmentCodeSchema)
def new_enrollment_code(patient_id):
    """Issue a new one-time code (the old unused one stops working)."""
    return service.reissue_enrollment_code(current_clinic(), patient_id)


@blp.route("/<int:patient_id>/treatments")
class PatientTreatments(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(200, TreatmentSchema(many=True))
    def get(self, patient_id):
        return treatments.list_patient_treatments(current_clinic(), patient_id)

    @blp.doc(
        security=CLINIC_SECURITY,
        parameters=[{
            "in": "header", "name": "Idempotency-Key", "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Retrying with the same key returns the first result instead of a second treatment.",
        }],
    )
    @blp.arguments(TreatmentCreateSchema)
    @blp.response(201, TreatmentSchema)
    @blp.alt_response(409, response="CONFLICT", description="Clearance required, or Idempotency-Key reused")
    def post(self, data, patient_id):
        """Record a session: its restrictions and reminders are written with it, at once."""
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and (len(key) > 200 or "\x00" in key):
            raise Invalid("Idempotency-Key is invalid.", fields={"Idempotency-Key": ["At most 200 characters, no NUL."]})
        treatment, replayed = treatments.record_treatment(current_clinic(), patient_id, data, key)
        return treatment, 201, {"Idempotent-Replayed": "true" if replayed else "false"}
