"""A patient's data at the desk: download it, erase it (admins, after typing the name)."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from companion.console.forms import CsrfForm, require_csrf, text
from companion.console.session import admin_required, staff_clinic, staff_required
from companion.console.views import bp
from companion.patients import service as patients
from companion.privacy import service as privacy
from companion.privacy.schemas import PatientExportSchema


@bp.route("/patients/<int:patient_id>/export")
@staff_required
def export_patient(patient_id: int) -> ResponseReturnValue:
    document = PatientExportSchema().dump(privacy.export_patient(staff_clinic(), patient_id))
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="patient-{patient_id}.json"'},
    )


@bp.route("/patients/<int:patient_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_patient(patient_id: int) -> ResponseReturnValue:
    """Two steps: this page, then a POST with the patient's name typed exactly."""
    patient = patients.get_patient(staff_clinic(), patient_id)
    mismatch = False
    if request.method == "POST":
        require_csrf()
        if (text(request.form, "confirm_name") or "") == patient.display_name:
            privacy.erase_patient(staff_clinic(), patient_id)
            return redirect(url_for("console.patient_list", erased=patient_id))
        mismatch = True
    return render_template(
        "console/erase.html", patient=patient, form=CsrfForm(), mismatch=mismatch
    ), 422 if mismatch else 200
