"""Clinic API: recording a patient's sessions, correcting or cancelling one."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core import idempotency
from companion.core.api import link_to, links
from companion.core.auth import CLINIC_SECURITY
from companion.core.openapi import IDEMPOTENT
from companion.core.pagination import PageArgsSchema
from companion.treatments import service
from companion.treatments.schemas import (
    TreatmentCreateSchema,
    TreatmentPageSchema,
    TreatmentSchema,
    TreatmentUpdateSchema,
)

blp = Blueprint("treatments", __name__, url_prefix="/v1/treatments", description="Clinic: treatments")
blp.before_request(require_clinic)


@blp.route("/<int:treatment_id>")
class TreatmentDetail(MethodView):
    @blp.doc(operationId="getTreatment", security=CLINIC_SECURITY)
    @blp.response(200, TreatmentSchema)
    def get(self, treatment_id: int) -> object:
        """One treatment."""
        return service.get_treatment(current_clinic(), treatment_id)

    @blp.doc(operationId="updateTreatment", security=CLINIC_SECURITY)
    @blp.arguments(TreatmentUpdateSchema)
    @blp.response(200, TreatmentSchema)
    @blp.alt_response(409, response="CONFLICT", description="Cancelled, or clearance required")
    def patch(self, data: dict[str, Any], treatment_id: int) -> object:
        """Correct the record; reminders not yet sent are planned again."""
        return service.correct_treatment(current_clinic(), treatment_id, data)

    @blp.doc(operationId="cancelTreatment", security=CLINIC_SECURITY)
    @blp.response(204)
    def delete(self, treatment_id: int) -> None:
        """Cancel: pending reminders are cancelled, sent ones stay as history."""
        service.cancel_treatment(current_clinic(), treatment_id)


patient_treatments = Blueprint(
    "patient_treatments", __name__, url_prefix="/v1/patients", description="Clinic: treatments"
)
patient_treatments.before_request(require_clinic)
# No link to DELETE: cancelling keeps the treatment readable (its history), which a
# stateful client following a DELETE link would take for a resource that outlived it.
_TREATMENT = {"treatment_id": "$response.body#/id"}
_RECORDED = links(
    201,
    ShowTreatment=link_to("GET", "/v1/treatments/{treatment_id}", **_TREATMENT),
    CorrectTreatment=link_to("PATCH", "/v1/treatments/{treatment_id}", **_TREATMENT),
)


@patient_treatments.route("/<int:patient_id>/treatments")
class PatientTreatments(MethodView):
    @patient_treatments.doc(operationId="listPatientTreatments", security=CLINIC_SECURITY)
    @patient_treatments.arguments(PageArgsSchema, location="query")
    @patient_treatments.response(200, TreatmentPageSchema)
    def get(self, args: dict[str, Any], patient_id: int) -> object:
        """The patient's sessions, oldest first (cancelled ones included)."""
        return service.patient_treatments_page(current_clinic(), patient_id, args["limit"], args["offset"])

    @patient_treatments.doc(operationId="createTreatment", security=CLINIC_SECURITY, **_RECORDED)
    @patient_treatments.doc(**IDEMPOTENT)
    @patient_treatments.arguments(TreatmentCreateSchema)
    @patient_treatments.response(201, TreatmentSchema)
    @patient_treatments.alt_response(
        409, response="CONFLICT", description="Clearance required, series position, or Idempotency-Key reused"
    )
    def post(self, data: dict[str, Any], patient_id: int) -> object:
        """Record a session: its restrictions and reminders are written with it, at once."""
        treatment, replayed = service.record_treatment(current_clinic(), patient_id, data, idempotency.request_key())
        return treatment, 201, idempotency.replay_headers(replayed)
