"""Clinic API: correcting or cancelling a treatment."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.treatments import service
from companion.treatments.schemas import TreatmentSchema, TreatmentUpdateSchema

blp = Blueprint("treatments", __name__, url_prefix="/v1/treatments", description="Clinic: treatments")
blp.before_request(require_clinic)


@blp.route("/<int:treatment_id>")
class TreatmentDetail(MethodView):
    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(200, TreatmentSchema)
    def get(self, treatment_id):
        return service.show_treatment(current_clinic(), treatment_id)

    @blp.doc(security=CLINIC_SECURITY)
    @blp.arguments(TreatmentUpdateSchema)
    @blp.response(200, TreatmentSchema)
    @blp.alt_response(409, response="CONFLICT", description="Cancelled, or clearance required")
    def patch(self, data, treatment_id):
        """Correct the record; reminders not yet sent are planned again."""
        return service.correct_treatment(current_clinic(), treatment_id, data)

    @blp.doc(security=CLINIC_SECURITY)
    @blp.response(204)
    def delete(self, treatment_id):
        """Cancel: pending reminders are cancelled, sent ones stay as history."""
        service.cancel_treatment(current_clinic(), treatment_id)
