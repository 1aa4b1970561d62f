"""Recording a session, correcting it, cancelling it: each writes its timeline with it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from companion.audit import service as audit
from companion.clinics.models import Clinic
from companion.core import idempotency
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid
from companion.core.field_messages import NEXT_SESSION
from companion.core.i18n import N_
from companion.core.pagination import Page, paginate
from companion.core.tenancy import clinic_row
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.patients.activity import mark_active
from companion.patients.models import Patient
from companion.patients.service import get_patient
from companion.protocols.definition import Protocol
from companion.protocols.service import effective_protocol
from companion.treatments.models import Treatment, TreatmentStatus
from companion.treatments.service import planning
from companion.treatments.timeline import validate_facts

# A session is recorded right after it happens; far-off dates are typos.
_MAX_FUTURE = timedelta(days=1)
_MAX_PAST = timedelta(days=365)


def _check_time(performed_at: datetime) -> None:
    now = utcnow()
    if performed_at > now + _MAX_FUTURE or performed_at < now - _MAX_PAST:
        raise Invalid(
            N_("performed_at is out of range."),
            fields={"performed_at": ["Must be within the last year and not more than a day ahead."]},
        )


def _check_facts(protocol: Protocol, treatment: Treatment) -> None:
    errors = validate_facts(protocol, planning.facts_of(treatment))
    if errors:
        raise Invalid("The treatment does not fit the protocol.", fields=errors)


def _check_clearance(patient: Patient, treatment: Treatment) -> None:
    warnings = patient.warnings
    if warnings and not treatment.clearance_confirmed:
        raise Conflict(
            "The patient's screening has contraindications; confirm a doctor's clearance to proceed.",
            code="clearance_required",
            fields={"clearance_confirmed": [w["message"] for w in warnings]},
        )


def _check_series_position(patient: Patient, treatment: Treatment) -> None:
    """Session n of a series follows session n-1 of the patient's latest session.

    Session 1 always starts a series (a new series, or maintenance). A patient with no
    session on record may start anywhere (earlier sessions happened before enrollment).
    A repeat or a gap is a 409: the clinic corrects the earlier record or the number.
    """
    latest = db.session.execute(
        db.select(Treatment.id, Treatment.session_number, Treatment.planned_sessions)
        .where(Treatment.patient_id == patient.id, Treatment.status == TreatmentStatus.ACTIVE)
        .order_by(Treatment.performed_at.desc(), Treatment.id.desc())
        .limit(1)
    ).first()
    number = treatment.session_number
    if latest is None or number == 1 or number == latest.session_number + 1:
        return
    expected = latest.session_number + 1
    what = "repeats" if number <= latest.session_number else "skips ahead of"
    raise Conflict(
        f"Session {number} of {treatment.planned_sessions} {what} the series: the latest session on record is "
        f"{latest.session_number} of {latest.planned_sessions} (treatment {latest.id}).",
        code="series_position",
        fields={"series": [NEXT_SESSION.format(expected=expected)]},
    )


@unit_of_work
def record_treatment(
    clinic: Clinic, patient_id: int, data: dict[str, Any], idempotency_key: str | None
) -> tuple[Treatment, bool]:
    """Returns (treatment, replayed). A retried request with the same key gets the first result."""
    patient = get_patient(clinic, patient_id)
    scope = Treatment.clinic_id == clinic.id
    print_ = idempotency.fingerprint(patient_id=patient.id, **data)
    existing = idempotency.earlier(Treatment, scope, idempotency_key, print_)
    if existing is not None:
        return existing, True
    _check_time(data["performed_at"])
    protocol = effective_protocol(clinic.id, data["protocol"])
    treatment = Treatment(
        clinic_id=clinic.id,
        patient_id=patient.id,
        protocol_key=protocol.key,
        performed_at=data["performed_at"],
        needle_depth_mm=data["needle_depth_mm"],
        area=data["area"],
        combined_with=sorted(set(data["combined_with"])),
        session_number=data["series"]["session_number"],
        planned_sessions=data["series"]["planned_sessions"],
        clearance_confirmed=data["clearance_confirmed"],
        patient_notes=data.get("patient_notes"),
    )
    _check_facts(protocol, treatment)
    _check_clearance(patient, treatment)
    _check_series_position(patient, treatment)
    plan = planning.plan_for(treatment, patient, protocol)
    treatment, replayed = idempotency.insert_once(treatment, scope, idempotency_key, print_)
    if replayed:  # the same key raced in from a retry: answer as the first one did
        return treatment, True
    planning.write_reminders(treatment, plan)
    mark_active(patient.id, treatment.performed_at)
    planning.sessions_changed.send(patient)
    return planning.with_timeline(treatment), False


def get_treatment(clinic: Clinic, treatment_id: int) -> Treatment:
    treatment = clinic_row(Treatment, treatment_id, clinic.id, "treatment")
    audit.record(treatment.patient_id)
    return treatment


def _treatments_of(patient: Patient) -> Select[Treatment]:
    return select(Treatment).where(Treatment.patient_id == patient.id).order_by(Treatment.performed_at, Treatment.id)


def list_patient_treatments(clinic: Clinic, patient_id: int) -> list[Treatment]:
    return list(db.session.scalars(_treatments_of(get_patient(clinic, patient_id))))


def patient_treatments_page(clinic: Clinic, patient_id: int, limit: int, offset: int) -> Page:
    return paginate(_treatments_of(get_patient(clinic, patient_id)), limit, offset)


def most_used(clinic: Clinic) -> tuple[str, str] | None:
    """The clinic's most recorded (protocol, area): what the session form offers first."""
    count = db.func.count()
    row = db.session.execute(
        db.select(Treatment.protocol_key, Treatment.area)
        .where(Treatment.clinic_id == clinic.id)
        .group_by(Treatment.protocol_key, Treatment.area)
        .order_by(count.desc(), Treatment.protocol_key, Treatment.area)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


@unit_of_work
def correct_treatment(clinic: Clinic, treatment_id: int, data: dict[str, Any]) -> Treatment:
    """A corrected time, depth, ... re-plans what has not been sent; sent stays history."""
    treatment = get_treatment(clinic, treatment_id)
    if treatment.status != TreatmentStatus.ACTIVE:
        raise Conflict("This treatment was cancelled; record a new one instead.", code="treatment_cancelled")
    if "performed_at" in data:
        _check_time(data["performed_at"])
    for name in ("performed_at", "needle_depth_mm", "area", "clearance_confirmed", "patient_notes"):
        if name in data:
            setattr(treatment, name, data[name])
    if "combined_with" in data:
        treatment.combined_with = sorted(set(data["combined_with"]))
    if "series" in data:
        treatment.session_number = data["series"]["session_number"]
        treatment.planned_sessions = data["series"]["planned_sessions"]
    patient = db.session.get_one(Patient, treatment.patient_id)
    protocol = effective_protocol(clinic.id, treatment.protocol_key)
    _check_facts(protocol, treatment)
    _check_clearance(patient, treatment)
    planning.apply_plan(treatment, patient, protocol)
    planning.sessions_changed.send(patient)
    return planning.with_timeline(treatment)


@unit_of_work
def cancel_treatment(clinic: Clinic, treatment_id: int) -> None:
    treatment = get_treatment(clinic, treatment_id)
    if treatment.status == TreatmentStatus.CANCELLED:
        return
    treatment.status = TreatmentStatus.CANCELLED
    planning.cancel_open_reminders(treatment)
    db.session.flush()
    planning.sessions_changed.send(db.session.get(Patient, treatment.patient_id))
