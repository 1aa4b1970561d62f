"""The printed hand-out after the session: a new join code (the earlier unused one stops working)
and the restrictions, signs and clinic contact as they stand now."""

from __future__ import annotations

from flask import render_template

from companion.console.forms import require_csrf
from companion.console.handout import reprint
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp


@bp.route("/patients/<int:patient_id>/handout", methods=["POST"])
@staff_required
def print_handout(patient_id: int) -> str:
    require_csrf()
    patient, sheet = reprint(staff_clinic(), patient_id)
    return render_template("console/handout.html", patient=patient, handout=sheet)
