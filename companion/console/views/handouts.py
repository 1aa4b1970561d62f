"""The printed hand-out and the enrollment code: a new code (the earlier unused one stops
working) is made by a POST and shown once by the GET it redirects to, so a reload neither
makes another code nor shows this one again."""

from __future__ import annotations

from datetime import datetime

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from companion.console import once
from companion.console.forms import CsrfForm, require_csrf
from companion.console.handout import handout
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp
from companion.patients import service as patients
from companion.patients.models import Patient


@bp.route("/patients/<int:patient_id>/handout", methods=["POST"])
@staff_required
def print_handout(patient_id: int) -> ResponseReturnValue:
    require_csrf()
    issued = patients.reissue_enrollment_code(staff_clinic(), patient_id)
    target = url_for("console.show_handout", patient_id=patient_id)
    once.keep(target, code=issued["enrollment_code"], expires_at=issued["enrollment_code_expires_at"].isoformat())
    return redirect(target)


def _sheet(patient: Patient) -> dict[str, object] | None:
    """The hand-out with the code the POST just made, or None once it has been shown."""
    shown = once.take()
    if not shown.get("code"):
        return None
    return handout(patient, shown["code"], datetime.fromisoformat(shown["expires_at"]))


@bp.route("/patients/<int:patient_id>/handout")
@staff_required
def show_handout(patient_id: int) -> ResponseReturnValue:
    patient = patients.get_patient(staff_clinic(), patient_id)
    sheet = _sheet(patient)
    return render_template("console/handout.html", patient=patient, handout=sheet, form=CsrfForm())


@bp.route("/patients/<int:patient_id>/enrolled")
@staff_required
def enrolled(patient_id: int) -> ResponseReturnValue:
    patient = patients.get_patient(staff_clinic(), patient_id)
    sheet = _sheet(patient)
    return render_template("console/enrolled.html", patient=patient, handout=sheet, form=CsrfForm())
