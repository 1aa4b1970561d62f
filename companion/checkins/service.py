"""Check-ins: triaged at once against the treatment's expected course."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from companion.checkins import escalation, followup
from companion.checkins.models import Alert, CheckIn
from companion.checkins.triage import SymptomReport, triage
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.extensions import db
from companion.patients.models import Patient
from companion.patients.service import get_patient
from companion.treatments.facts import ExpectedCourse
from companion.treatments.models import Treatment

# Without a treatment on record the light-treatment course is the fairest guess.
_FALLBACK_COURSE = ExpectedCourse(redness_hours=48, swelling_hours=48)


def _latest_treatment(patient: Patient) -> Treatment | None:
    return db.session.scalar(
        db.select(Treatment)
        .where(Treatment.patient_id == patient.id, Treatment.status == "active", Treatment.performed_at <= utcnow())
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


def submit_checkin(patient: Patient, data: dict[str, Any]) -> CheckIn:
    """The check-in, its alert and the outbox rows for staff are one transaction."""
    now = utcnow()
    treatment = _latest_treatment(patient)
    hours = (now - treatment.performed_at).total_seconds() / 3600 if treatment else None
    flags = sorted(name for name, raised in data["red_flags"].items() if raised)
    report = SymptomReport(ratings=data["ratings"], red_flags=frozenset(flags), hours_since_treatment=hours)
    previous_row = db.session.scalar(
        db.select(CheckIn)
        .where(CheckIn.patient_id == patient.id,
               CheckIn.treatment_id == (treatment.id if treatment else None))
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    ) if treatment else None
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
    db.session.add(checkin)
    db.session.flush()
    alert = escalation.raise_alert(checkin, patient)
    followup.schedule_followup(checkin, patient, treatment)
    db.session.commit()
    checkin.alert_id = alert.id if alert else None  # type: ignore[attr-defined]
    return checkin


def _with_alert_ids(rows: list[CheckIn]) -> list[CheckIn]:
    ids = {a.checkin_id: a.id for a in db.session.scalars(
        db.select(Alert).where(Alert.checkin_id.in_([row.id for row in rows]))
    )}
    for row in rows:
        row.alert_id = ids.get(row.id)  # type: ignore[attr-defined]
    return rows


def patient_checkins(patient: Patient) -> list[CheckIn]:
    rows = db.session.scalars(
        db.select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
    ).all()
    return _with_alert_ids(list(rows))


def clinic_patient_checkins(clinic: Clinic, patient_id: int) -> list[CheckIn]:
    return patient_checkins(get_patient(clinic, patient_id))


def triage_rules() -> list[dict[str, Any]]:
    from companion.checkins.triage import triage_table

    return triage_table()
