"""Patients at the desk: enroll (code + QR + hand-out), record a session, the patient page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from companion.alerts import replies
from companion.alerts import service as alerts
from companion.clinics.models import Clinic
from companion.console import once
from companion.console.forms import (
    CsrfForm,
    checked,
    contact,
    form_errors,
    load,
    local_time,
    number,
    require_csrf,
    text,
)
from companion.console.session import staff_clinic, staff_required
from companion.console.views import bp
from companion.core.clock import clock
from companion.core.errors import ApiError
from companion.core.i18n import N_, moment
from companion.core.pagination import MAX_LIMIT, PageArgsSchema
from companion.courses import service as courses
from companion.courses.models import KINDS
from companion.courses.schemas import AppointmentCreateSchema, AppointmentUpdateSchema
from companion.patients import service as patients
from companion.patients.schemas import PatientCreateSchema
from companion.patients.screening import CONTRAINDICATIONS
from companion.protocols import service as protocols
from companion.reminders import service as reminders
from companion.reminders.models import Reminder
from companion.treatments import service as treatments
from companion.treatments.schemas import TreatmentCreateSchema

ZONES = (
    "Europe/Madrid",
    "Europe/London",
    "Europe/Lisbon",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
TODAY, UPCOMING, PAST = N_("Today"), N_("Upcoming"), N_("Past")
# The session form's first choice for a clinic with no session recorded yet.
FIRST_CHOICE = "microneedling-face"


@bp.route("/patients")
@staff_required
def patient_list() -> ResponseReturnValue:
    page, _ = load(PageArgsSchema(), {k: v for k, v in request.args.items() if k in ("limit", "offset")})
    page = page or {"limit": 50, "offset": 0}
    search = (request.args.get("q") or "").strip()[:200] or None
    listing = patients.list_patients(staff_clinic(), page["limit"], page["offset"], search, recent=True)
    erased = request.args.get("erased", "")
    return render_template(
        "console/patients.html", listing=listing, search=search or "", erased=int(erased) if erased.isdigit() else None
    )


def _enrollment_data(form: MultiDict[str, str]) -> dict[str, Any]:
    quiet = {"start": text(form, "quiet_start"), "end": text(form, "quiet_end")}
    return {
        "display_name": text(form, "display_name") or "",
        "external_ref": text(form, "external_ref"),
        "timezone": text(form, "timezone") or "",
        "locale": text(form, "locale") or "en",
        "quiet_hours": quiet if quiet["start"] or quiet["end"] else None,
        "screening": {
            **{key: checked(form, f"screening.{key}") for key in CONTRAINDICATIONS},
            "medications_note": text(form, "screening.medications_note"),
        },
        **contact(form),
    }


@bp.route("/patients/new", methods=["GET", "POST"])
@staff_required
def enroll() -> ResponseReturnValue:
    form, values = CsrfForm(), request.form
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_csrf()
        data, errors = load(PatientCreateSchema(), _enrollment_data(request.form))
        if data is not None:
            try:
                enrolled, _ = patients.enroll_patient(staff_clinic(), data)
            except ApiError as err:
                errors = form_errors(err)
            else:
                target = url_for("console.enrolled", patient_id=enrolled.patient.id)
                once.keep(
                    target,
                    code=enrolled.enrollment_code,
                    expires_at=enrolled.enrollment_code_expires_at.isoformat(),
                )
                return redirect(target)
    return render_template(
        "console/enroll.html", form=form, errors=errors, values=values, zones=ZONES, contraindications=CONTRAINDICATIONS
    ), 422 if errors else 200


@bp.route("/patients/<int:patient_id>")
@staff_required
def patient_page(patient_id: int, booking_errors: dict[str, str] | None = None) -> ResponseReturnValue:
    clinic = staff_clinic()
    patient = patients.get_patient(clinic, patient_id)
    history = treatments.list_patient_treatments(clinic, patient.id)
    reminder_ids = [r.id for t in history for r in t.timeline_reminders]
    return render_template(
        "console/patient.html",
        patient=patient,
        treatments=history,
        form=CsrfForm(),
        deliveries=reminders.deliveries_of(reminder_ids),
        checkins=replies.clinic_patient_checkins(clinic, patient.id),
        appointments=courses.list_appointments(clinic, patient.id),
        kinds=KINDS,
        booking_errors=booking_errors or {},
        values=request.form if booking_errors else {},
        protocol_titles=_protocol_titles(clinic),
        alerts=alerts.list_alerts(clinic, None, MAX_LIMIT, 0, patient_id=patient.id)["items"],
        shown=once.take(),
        timeline=lambda treatment: _grouped(treatment.timeline_reminders, patient.timezone),
        local=lambda at: moment(at, patient.timezone),
    )


def _grouped(rows: list[Reminder], timezone: str) -> list[tuple[str, list[Reminder]]]:
    """A timeline as today / upcoming / past by the patient's calendar, so the desk sees what matters now."""
    zone = ZoneInfo(timezone)
    today = clock.now().astimezone(zone).date()
    groups: dict[str, list[Reminder]] = {TODAY: [], UPCOMING: [], PAST: []}
    for row in rows:
        day = row.due_at.astimezone(zone).date()
        groups[TODAY if day == today else UPCOMING if day > today else PAST].append(row)
    return [(name, found) for name, found in groups.items() if found]


def _protocol_titles(clinic: Clinic) -> dict[str, str]:
    """Each protocol by its title in the reader's language (the protocol files carry every language)."""
    return {p["key"]: p["title"].get(g.staff.locale) or p["title"]["en"] for p in protocols.list_protocols(clinic)}


def _session_data(form: MultiDict[str, str], timezone: str) -> dict[str, Any]:
    return {
        "protocol": text(form, "protocol") or "",
        "performed_at": local_time(form, "performed_at", timezone),
        "needle_depth_mm": number(form, "needle_depth_mm"),
        "area": text(form, "area") or "",
        "combined_with": form.getlist("combined_with"),
        "series": {
            "session_number": number(form, "session_number", "1"),
            "planned_sessions": number(form, "planned_sessions", "1"),
        },
        "clearance_confirmed": checked(form, "clearance_confirmed"),
        "patient_notes": text(form, "patient_notes"),
    }


@bp.route("/patients/<int:patient_id>/sessions/new", methods=["GET", "POST"])
@staff_required
def record_session(patient_id: int) -> ResponseReturnValue:
    clinic = staff_clinic()
    patient = patients.get_patient(clinic, patient_id)
    catalogue = [protocols.effective_protocol(clinic.id, p["key"]) for p in protocols.list_protocols(clinic)]
    form = CsrfForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_csrf()
        data, errors = load(TreatmentCreateSchema(), _session_data(request.form, patient.timezone))
        if data is not None:
            try:
                treatment, _ = treatments.record_treatment(clinic, patient.id, data, None)
            except ApiError as err:
                errors = form_errors(err)
            else:
                return redirect(
                    url_for("console.patient_page", patient_id=patient.id, recorded=treatment.id)
                    + f"#treatment-{treatment.id}"
                )
    now_local = clock.now().astimezone(ZoneInfo(patient.timezone)).strftime("%Y-%m-%dT%H:%M")
    usual = treatments.most_used(clinic) or (FIRST_CHOICE, "face")
    chosen = next((p for p in catalogue if p.key == (request.form.get("protocol") or usual[0])), catalogue[0])
    return render_template(
        "console/session_new.html",
        patient=patient,
        protocols=catalogue,
        chosen=chosen,
        default_area=usual[1] if chosen.key == usual[0] else chosen.content["treatment"]["areas"][0],
        contraindications=CONTRAINDICATIONS,
        form=form,
        errors=errors,
        values=request.form,
        now_local=now_local,
        staff_locale=g.staff.locale,
    ), 422 if errors else 200


def _appointment_data(form: MultiDict[str, str], timezone: str) -> dict[str, Any]:
    return {
        "starts_at": local_time(form, "starts_at", timezone),
        "kind": text(form, "kind") or "",
        "note": text(form, "note"),
    }


@bp.route("/patients/<int:patient_id>/appointments", methods=["POST"])
@staff_required
def book_appointment(patient_id: int) -> ResponseReturnValue:
    require_csrf()
    clinic = staff_clinic()
    patient = patients.get_patient(clinic, patient_id)
    data, errors = load(AppointmentCreateSchema(), _appointment_data(request.form, patient.timezone))
    if data is not None:
        try:
            courses.book_appointment(clinic, patient.id, data)
        except ApiError as err:
            errors = form_errors(err)
    if errors:
        return patient_page(patient_id, booking_errors=errors), 422
    return redirect(url_for("console.patient_page", patient_id=patient.id) + "#appointments")


@bp.route("/appointments/<int:appointment_id>/move", methods=["POST"])
@staff_required
def move_appointment(appointment_id: int) -> ResponseReturnValue:
    require_csrf()
    clinic = staff_clinic()
    appointment = courses.get_appointment(clinic, appointment_id)
    patient = patients.get_patient(clinic, appointment.patient_id)
    data, errors = load(
        AppointmentUpdateSchema(), {"starts_at": _appointment_data(request.form, patient.timezone)["starts_at"]}
    )
    if data is not None:
        try:
            courses.update_appointment(clinic, appointment.id, data)
        except ApiError as err:
            errors = form_errors(err)
    if errors:
        return patient_page(patient.id, booking_errors=errors), 422
    return redirect(url_for("console.patient_page", patient_id=patient.id) + "#appointments")


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
@staff_required
def cancel_appointment(appointment_id: int) -> ResponseReturnValue:
    require_csrf()
    clinic = staff_clinic()
    appointment = courses.get_appointment(clinic, appointment_id)
    courses.cancel_appointment(clinic, appointment.id)
    return redirect(url_for("console.patient_page", patient_id=appointment.patient_id) + "#appointments")
