"""Enrolling patients and the clinic's view of them."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from companion.clinics.models import Clinic
from companion.core.auth import hash_secret
from companion.core.clock import utcnow
from companion.core.errors import Conflict, NotFound
from companion.extensions import db
from companion.patients.models import EnrollmentCode, Patient
from companion.patients.screening import screening_warnings

# No 0/O/1/I/L: the code is read aloud or typed from a printed card.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str:
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def decorate(patient: Patient) -> Patient:
    patient.warnings = screening_warnings(patient.screening)  # type: ignore[attr-defined]
    return patient


def _issue_code(patient: Patient) -> tuple[str, Any]:
    code = _new_code()
    expires_at = utcnow() + timedelta(hours=current_app.config["ENROLLMENT_CODE_TTL_HOURS"])
    db.session.add(EnrollmentCode(patient_id=patient.id, code_hash=hash_secret(normalize_code(code)), expires_at=expires_at))
    return code, expires_at


def enroll_patient(clinic: Clinic, data: dict[str, Any]) -> Patient:
    quiet = data.get("quiet_hours") or {"start": "21:00", "end": "08:00"}
    patient = Patient(
        clinic_id=clinic.id,
        display_name=data["display_name"].strip(),
        external_ref=data.get("external_ref"),
        timezone=data["timezone"],
        locale=data["locale"],
        quiet_start=quiet["start"],
        quiet_end=quiet["end"],
        screening=data["screening"],
    )
    db.session.add(patient)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            "A patient with this external_ref already exists in your clinic.",
            fields={"external_ref": ["Already used."]},
        ) from None
    code, expires_at = _issue_code(patient)
    db.session.commit()
    patient.enrollment_code = code  # type: ignore[attr-defined]
    patient.enrollment_code_expires_at = expires_at  # type: ignore[attr-defined]
    return decorate(patient)


def reissue_enrollment_code(clinic: Clinic, patient_id: int) -> dict[str, Any]:
    """A new code for a patient who lost theirs; unused older codes stop working."""
    patient = get_patient(clinic, patient_id)
    now = utcnow()
    db.session.execute(
        db.update(EnrollmentCode)
        .where(EnrollmentCode.patient_id == patient.id, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code, expires_at = _issue_code(patient)
    db.session.commit()
    return {"enrollment_code": code, "enrollment_code_expires_at": expires_at}


def get_patient(clinic: Clinic, patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != clinic.id:
        raise NotFound("No such patient.")
    return decorate(patient)


def list_patients(clinic: Clinic, limit: int, offset: int) -> dict[str, Any]:
    query = db.select(Patient).where(Patient.clinic_id == clinic.id)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Patient.id).limit(limit).offset(offset)).all()
    return {"items": [decorate(p) for p in rows], "total": total, "limit": limit, "offset": offset}


def update_preferences(patient: Patient, data: dict[str, Any]) -> Patient:
    """Zone, locale or quiet hours changed: pending reminders move with them."""
    from companion.treatments.planning import replan_patient

    if "timezone" in data:
        patient.timezone = data["timezone"]
    if "locale" in data:
        patient.locale = data["locale"]
    if "quiet_hours" in data:
        patient.quiet_start = data["quiet_hours"]["start"]
        patient.quiet_end = data["quiet_hours"]["end"]
    if data:
        replan_patient(patient)
    db.session.commit()
    return decorate(patient)
