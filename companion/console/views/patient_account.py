"""A patient's details at the desk: edit them (name, zone, language, quiet hours, screening, contact)
and sign out a lost phone. Each form redirects after it worked, so a reload repeats nothing."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from companion.console import once
from companion.console.forms import CsrfForm, checked, contact, form_errors, load, require_csrf, text
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp
from companion.console.views.patients import ZONES
from companion.core.errors import ApiError
from companion.patients import service as patients
from companion.patients.contact import CHANNELS
from companion.patients.models import Patient
from companion.patients.schemas import PatientEditSchema
from companion.patients.screening import CONTRAINDICATIONS
from companion.treatments import service as treatments


def _edit_data(form: MultiDict[str, str]) -> dict[str, Any]:
    return {
        "display_name": text(form, "display_name") or "",
        "timezone": text(form, "timezone") or "",
        "locale": text(form, "locale") or "",
        "quiet_hours": {"start": text(form, "quiet_start") or "", "end": text(form, "quiet_end") or ""},
        "screening": {
            **{key: checked(form, f"screening.{key}") for key in CONTRAINDICATIONS},
            "medications_note": text(form, "screening.medications_note"),
        },
        **contact(form),
    }


def _as_form(patient: Patient) -> dict[str, Any]:
    """The patient as the form's fields, for the first view of the page."""
    screening = patient.screening or {}
    return {
        "display_name": patient.display_name,
        "timezone": patient.timezone,
        "locale": patient.locale,
        "quiet_start": patient.quiet_start,
        "quiet_end": patient.quiet_end,
        "screening.medications_note": screening.get("medications_note") or "",
        **{f"screening.{key}": "on" for key in CONTRAINDICATIONS if screening.get(key)},
        "phone": patient.phone or "",
        "email": patient.email or "",
        "fallback_channel": patient.fallback_channel or "",
        **{f"consent.{channel}": "on" for channel in CHANNELS if getattr(patient, f"consent_{channel}")},
    }


@bp.route("/patients/<int:patient_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_patient(patient_id: int) -> ResponseReturnValue:
    clinic = staff_clinic()
    patient = patients.get_patient(clinic, patient_id)
    errors: dict[str, str] = {}
    values: Any = _as_form(patient)
    if request.method == "POST":
        require_csrf()
        values = request.form
        data, errors = load(PatientEditSchema(), _edit_data(request.form))
        if data is not None:
            try:
                treatments.edit_patient(clinic, patient.id, data)
            except ApiError as err:
                errors = form_errors(err)
            else:
                return redirect(once.keep(url_for("console.patient_page", patient_id=patient.id), saved=True))
    return render_template(
        "console/patient_edit.html",
        patient=patient,
        form=CsrfForm(),
        errors=errors,
        values=values,
        zones=ZONES,
        contraindications=CONTRAINDICATIONS,
    ), 422 if errors else 200


@bp.route("/patients/<int:patient_id>/sign-out", methods=["POST"])
@staff_required
def sign_out_phones(patient_id: int) -> ResponseReturnValue:
    """A lost phone: every app session of the patient ends and their phones stop receiving."""
    require_csrf()
    ended = patients.end_all_sessions(staff_clinic(), patient_id)
    return redirect(once.keep(url_for("console.patient_page", patient_id=patient_id), signed_out=ended))
