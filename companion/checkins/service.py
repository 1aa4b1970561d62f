"""Check-ins: triaged at once against the treatment's expected course.

An off-course check-in is announced with `checkin_triaged`; the alerts domain turns it
into an alert in the same transaction (check-ins know nothing of alerts).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from blinker import Namespace
from sqlalchemy import Select, select

from companion.checkins.models import CheckIn
from companion.checkins.triage import Severity, SymptomReport, triage, triage_table
from companion.clinics.models import Clinic
from companion.core import idempotency
from companion.core.clock import utcnow
from companion.core.i18n import N_, translate
from companion.core.pagination import Page, paginate, paginate_list
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.patients.activity import mark_active
from companion.patients.categories import CHECKIN_PROMPTS
from companion.patients.models import Patient
from companion.patients.service import get_patient
from companion.reminders import service as reminders
from companion.treatments.drafting import Draft, Placer, quiet_hours
from companion.treatments.facts import ExpectedCourse
from companion.treatments.models import Treatment, TreatmentStatus
from companion.treatments.service import prefs_of

signals = Namespace()
checkin_triaged = signals.signal("checkin-triaged", doc="sender: the new CheckIn; kwargs: patient")

# Without a treatment on record the light-treatment course is the fairest guess.
_FALLBACK_COURSE = ExpectedCourse(redness_hours=48, swelling_hours=48)


def _latest_treatment(patient: Patient) -> Treatment | None:
    return db.session.scalar(
        select(Treatment)
        .where(
            Treatment.patient_id == patient.id,
            Treatment.status == TreatmentStatus.ACTIVE,
            Treatment.performed_at <= utcnow(),
        )
        .order_by(Treatment.performed_at.desc())
        .limit(1)
    )


def _course(treatment: Treatment | None) -> ExpectedCourse:
    stored = (treatment.protocol_snapshot or {}).get("expected_course") if treatment else None
    if not stored:
        return _FALLBACK_COURSE
    return ExpectedCourse(
        redness_hours=stored["redness_hours"],
        swelling_hours=stored["swelling_hours"],
        other_hours=dict(stored.get("other_hours") or {}),
    )


def _report(row: CheckIn) -> SymptomReport:
    return SymptomReport(
        ratings=row.ratings, red_flags=frozenset(row.red_flags), hours_since_treatment=row.hours_since_treatment
    )


@unit_of_work
def submit_checkin(patient: Patient, data: dict[str, Any], key: str | None = None) -> tuple[CheckIn, bool]:
    """The check-in, its alert and the outbox rows for staff are one transaction. Returns
    (check-in, replayed): a phone's retry with the same key answers the first check-in."""
    scope = CheckIn.patient_id == patient.id
    print_ = idempotency.fingerprint(**data)
    existing = idempotency.earlier(CheckIn, scope, key, print_)
    if existing is not None:
        return existing, True
    now = utcnow()
    treatment = _latest_treatment(patient)
    hours = (now - treatment.performed_at).total_seconds() / 3600 if treatment else None
    flags = sorted(name for name, raised in data["red_flags"].items() if raised)
    report = SymptomReport(ratings=data["ratings"], red_flags=frozenset(flags), hours_since_treatment=hours)
    previous_row = (
        db.session.scalar(
            select(CheckIn)
            .where(CheckIn.patient_id == patient.id, CheckIn.treatment_id == treatment.id)
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
            .limit(1)
        )
        if treatment
        else None
    )
    verdict = triage(report, _course(treatment), _report(previous_row) if previous_row else None, patient.locale)
    checkin = CheckIn(
        patient_id=patient.id,
        treatment_id=treatment.id if treatment else None,
        ratings=dict(data["ratings"]),
        red_flags=flags,
        note=data.get("note"),
        hours_since_treatment=hours,
        outcome=verdict.outcome,
        reasons=list(verdict.reasons),
        advice=verdict.advice,
        created_at=now,
    )
    checkin, replayed = idempotency.insert_once(checkin, scope, key, print_)
    if replayed:
        return checkin, True
    mark_active(patient.id, now)
    checkin_triaged.send(checkin, patient=patient)
    _schedule_followup(checkin, patient, treatment)
    return checkin, False


def _checkins_of(patient: Patient) -> Select[CheckIn]:
    return (
        select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
    )


def patient_checkins(patient: Patient) -> list[CheckIn]:
    return list(db.session.scalars(_checkins_of(patient)))


def patient_checkins_page(patient: Patient, limit: int, offset: int) -> Page:
    return paginate(_checkins_of(patient), limit, offset)


def clinic_patient_checkins(clinic: Clinic, patient_id: int) -> list[CheckIn]:
    return patient_checkins(get_patient(clinic, patient_id))


def clinic_patient_checkins_page(clinic: Clinic, patient_id: int, limit: int, offset: int) -> Page:
    return patient_checkins_page(get_patient(clinic, patient_id), limit, offset)


def triage_rules(limit: int, offset: int) -> Page:
    return paginate_list(triage_table(), limit, offset)


FOLLOW_UP_OUTCOMES = (Severity.SELF_CARE, Severity.CONTACT_CLINIC)
FOLLOW_UP_AFTER = timedelta(hours=12)
FOLLOW_UP_LIFETIME = timedelta(hours=12)

_FOLLOW_UP_TITLE = N_("How is your skin now?")
_FOLLOW_UP_BODY = N_("Please check in again so we can see how your skin is healing.")


def _schedule_followup(checkin: CheckIn, patient: Patient, treatment: Treatment | None) -> None:
    """After a self-care or contact-clinic outcome the app asks again about 12 h later,
    placed outside quiet hours like every planned reminder."""
    if checkin.outcome not in FOLLOW_UP_OUTCOMES:
        return
    prefs = prefs_of(patient)
    due = checkin.created_at + FOLLOW_UP_AFTER
    draft = Draft(
        f"followup:{checkin.id}",
        "checkin_prompt",
        due,
        due + FOLLOW_UP_LIFETIME,
        checkin.created_at,
        {"title": _FOLLOW_UP_TITLE, "body": _FOLLOW_UP_BODY},
    )
    placed = Placer(quiet_hours(prefs), checkin.created_at).place(
        draft, lambda text: translate(text, patient.locale), CHECKIN_PROMPTS
    )
    if placed is None:
        return
    reminders.add_reminders(
        [placed],
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        treatment_id=treatment.id if treatment else None,
        payload={"checkin_id": checkin.id},
    )
