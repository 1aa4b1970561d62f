"""Clinic API: the audit log, a patient's export, and erasure."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.audit.schemas import AuditArgsSchema, AuditPageSchema
from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.privacy import service
from companion.privacy.schemas import PatientExportSchema

blp = Blueprint("privacy", __name__, url_prefix="/v1", description="Clinic: audit log, export and erasure")
blp.before_request(require_clinic)


@blp.route("/audit", methods=["GET"])
@blp.doc(operationId="listAuditEntries", security=CLINIC_SECURITY)
@blp.arguments(AuditArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def audit_log(args: dict[str, Any]) -> object:
    """Who read or changed your patients' data, newest first: the actor (API key, staff member or
    the patient's own app session, by id), the request, the time and the client's address.
    Entries are never changed or removed, and outlive an erased patient (ids only, no name).
    `patient_id` of a patient that is neither yours nor in your audit: 404."""
    return service.audit_log(
        current_clinic(),
        patient_id=args.get("patient_id"),
        since=args.get("since"),
        limit=args["limit"],
        offset=args["offset"],
    )


@blp.route("/patients/<int:patient_id>/export", methods=["GET"])
@blp.doc(operationId="exportPatient", security=CLINIC_SECURITY)
@blp.response(200, PatientExportSchema)
def export_patient(patient_id: int) -> object:
    """Everything held about the patient as one JSON document: profile and screening,
    treatments with restrictions, every reminder with its state and deliveries, devices
    (identifiers masked), check-ins, alerts and the audit entries about them."""
    return service.export_patient(current_clinic(), patient_id)


@blp.route("/patients/<int:patient_id>", methods=["DELETE"])
@blp.doc(operationId="erasePatient", security=CLINIC_SECURITY)
@blp.response(204)
def erase_patient(patient_id: int) -> None:
    """Erase the patient: profile, screening, treatments, reminders (pending ones are never
    sent), deliveries, devices, sessions, enrollment codes, check-ins and alerts are deleted
    at once. The audit keeps a `patient erased` entry with ids only. Not undoable; a second
    DELETE is 404."""
    service.erase_patient(current_clinic(), patient_id)
