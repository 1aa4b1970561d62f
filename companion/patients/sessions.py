"""The patient app signs in once with its enrollment code and keeps a bearer token."""
from __future__ import annotations

from flask import g

from companion.core.auth import bearer_token, hash_secret, new_secret
from companion.core.clock import utcnow
from companion.core.errors import Unauthorized
from companion.extensions import db
from companion.patients.models import EnrollmentCode, Patient, PatientToken
from companion.patients.service import decorate, normalize_code


def start_session(code: str) -> dict:
    now = utcnow()
    row = db.session.scalar(
        db.select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_secret(normalize_code(code)))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized("This enrollment code is unknown, used or expired; ask your clinic for a new one.",
                           code="invalid_enrollment_code")
    # Conditional update: of two simultaneous sign-ins with one code, exactly one wins.
    claimed = db.session.execute(
        db.update(EnrollmentCode)
        .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Unauthorized("This enrollment code was already used.", code="invalid_enrollment_code")
    token = new_secret("pt")
    db.session.add(PatientToken(patient_id=row.patient_id, token_hash=hash_secret(token)))
    db.session.commit()
    return {"token": token, "patient": decorate(db.session.get(Patient, row.patient_id))}


def authenticate_patient() -> Patient:
    token = db.session.scalar(
        db.select(PatientToken).where(
            PatientToken.token_hash == hash_secret(bearer_token()), PatientToken.revoked_at.is_(None)
        )
    )
    if token is None:
        raise Unauthorized("Unknown or revoked patient token.")
    g.patient_token = token
    g.patient = db.session.get(Patient, token.patient_id)
    return g.patient


def current_patient() -> Patient:
    return g.patient


def end_session() -> None:
    g.patient_token.revoked_at = utcnow()
    db.session.commit()


def require_patient() -> None:
    """Blueprint guard: a before_request hook must return None to let the view run."""
    authenticate_patient()
