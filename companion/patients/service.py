"""Patients: enrollment by a clinic, one-time codes, and the app's sign-in with one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from blinker import Namespace
from flask import current_app, g
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError

from companion.audit import service as audit
from companion.audit.models import ENROLLMENT_CODE
from companion.audit.models import PATIENT as PATIENT_SESSION
from companion.clinics.models import Clinic
from companion.core import idempotency
from companion.core.auth import bearer_token, checks_credentials, hash_secret, new_secret
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Unauthorized
from companion.core.pagination import Page, paginate
from companion.core.tenancy import clinic_row
from companion.core.transaction import commit_on_its_own, unit_of_work
from companion.extensions import db
from companion.patients.activity import mark_active
from companion.patients.contact import apply_contact
from companion.patients.models import EnrollmentCode, Patient, PatientToken
from companion.patients.search import matching

signals = Namespace()
sessions_ended = signals.signal("sessions-ended", doc="kwargs: session_ids (patient token ids that stopped working)")

# No 0/O/1/I/L: the code is read aloud or typed from a printed card.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_DEFAULT_QUIET = {"start": "21:00", "end": "08:00"}
_LAST_USED_PRECISION = timedelta(hours=12)


@dataclass(frozen=True)
class EnrolledPatient:
    """A patient just enrolled, with the one-time code shown in this response only."""

    patient: Patient
    enrollment_code: str
    enrollment_code_expires_at: datetime

    def __getattr__(self, name: str) -> Any:
        return getattr(self.patient, name)

    @property
    def join_url(self) -> str:
        return join_url(self.enrollment_code)


def join_url(code: str) -> str:
    """The link on the hand-out and in its QR code. The code rides in the fragment, which browsers
    never send to a server, so it reaches no access log; only the join page's POST spends it."""
    return f"{current_app.config['PUBLIC_URL']}/app/join#{code}"


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str:
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def _issue_code(patient: Patient) -> tuple[str, datetime]:
    code = _new_code()
    expires_at = utcnow() + timedelta(hours=current_app.config["ENROLLMENT_CODE_TTL_HOURS"])
    db.session.add(
        EnrollmentCode(patient_id=patient.id, code_hash=hash_secret(normalize_code(code)), expires_at=expires_at)
    )
    return code, expires_at


@unit_of_work
def enroll_patient(clinic: Clinic, data: dict[str, Any], key: str | None = None) -> tuple[EnrolledPatient, bool]:
    """Returns (patient with a one-time code, replayed). A retry with the same key answers
    the same patient with a new code (the first, never seen by the caller, stops working)."""
    scope = Patient.clinic_id == clinic.id
    print_ = idempotency.fingerprint(**data)
    existing = idempotency.earlier(Patient, scope, key, print_)
    if existing is not None:
        return _new_code_for(existing), True
    quiet, now = data.get("quiet_hours") or _DEFAULT_QUIET, utcnow()
    patient = Patient(
        clinic_id=clinic.id,
        display_name=data["display_name"].strip(),
        external_ref=data.get("external_ref"),
        timezone=data["timezone"],
        locale=data["locale"],
        quiet_start=quiet["start"],
        quiet_end=quiet["end"],
        screening=data["screening"],
        consent_sms=False,
        consent_email=False,
        created_at=now,
        last_activity_at=now,
    )
    apply_contact(patient, data, country=clinic.country, now=now, method="electronic")
    try:
        patient, replayed = idempotency.insert_once(patient, scope, key, print_)
    except IntegrityError:
        raise Conflict(
            "A patient with this external_ref already exists in your clinic.",
            fields={"external_ref": ["Already used."]},
            code="external_ref_taken",
        ) from None
    if replayed:
        return _new_code_for(patient), True
    code, expires_at = _issue_code(patient)
    audit.record(patient.id)
    return EnrolledPatient(patient, code, expires_at), False


def _new_code_for(patient: Patient) -> EnrolledPatient:
    _expire_unused_codes(patient)
    code, expires_at = _issue_code(patient)
    audit.record(patient.id)
    return EnrolledPatient(patient, code, expires_at)


def _expire_unused_codes(patient: Patient) -> None:
    db.session.execute(
        db.update(EnrollmentCode)
        .where(EnrollmentCode.patient_id == patient.id, EnrollmentCode.used_at.is_(None))
        .values(expires_at=utcnow())
    )


@unit_of_work
def reissue_enrollment_code(clinic: Clinic, patient_id: int, *, end_sessions: bool = False) -> dict[str, Any]:
    """A new code for a patient who lost theirs; unused older codes stop working. Signed-in
    phones stay signed in (a new phone beside the old one) unless `end_sessions` is asked."""
    if end_sessions:
        end_all_sessions(clinic, patient_id)
    patient = get_patient(clinic, patient_id)
    _expire_unused_codes(patient)
    code, expires_at = _issue_code(patient)
    return {"enrollment_code": code, "enrollment_code_expires_at": expires_at, "join_url": join_url(code)}


@unit_of_work
def update_patient(clinic: Clinic, patient_id: int, data: dict[str, Any]) -> Patient:
    """A changed screening applies to the next treatment: a positive answer needs clearance then."""
    patient = get_patient(clinic, patient_id)
    if "display_name" in data:
        patient.display_name = data["display_name"].strip()
    if "screening" in data:
        patient.screening = data["screening"]
    apply_contact(patient, data, country=clinic.country, now=utcnow(), method="electronic")
    db.session.flush()
    return patient


def get_patient(clinic: Clinic, patient_id: int) -> Patient:
    patient = clinic_row(Patient, patient_id, clinic.id, "patient")
    audit.record(patient.id)
    return patient


def list_patients(clinic: Clinic, limit: int, offset: int, search: str | None = None, *, recent: bool = False) -> Page:
    """A page of the clinic's patients, `search` as in `patients.search`: in enrollment order (the
    API's, stable from page to page), or `recent`, latest activity first (the desk's list)."""
    query = db.select(Patient).where(Patient.clinic_id == clinic.id)
    if search:
        query = query.where(matching(search, clinic.country))
    order = (Patient.last_activity_at.desc(), Patient.id.desc()) if recent else (Patient.id,)
    page = paginate(query.order_by(*order), limit, offset)
    audit.record_list([row.id for row in page["items"]])
    return page


# -- the app's sign-in ------------------------------------------------------------------


@unit_of_work
def start_session(code: str) -> dict[str, Any]:
    now = utcnow()
    row = db.session.scalar(
        db.select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_secret(normalize_code(code)))
    )
    if row is not None:  # a known code, used or not: its clinic's audit records the sign-in either way
        clinic_id = db.session.scalar(db.select(Patient.clinic_id).where(Patient.id == row.patient_id))
        audit.set_actor(ENROLLMENT_CODE, row.id, clinic_id, action="patient sign-in")
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized(
            "This enrollment code is unknown, used or expired; ask your clinic for a new one.",
            code="invalid_enrollment_code",
        )
    # Conditional update: of two simultaneous sign-ins with one code, exactly one wins.
    # A DML statement's result is a CursorResult (SQLAlchemy types it as the general Result).
    claimed = cast(
        CursorResult[Any],
        db.session.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
            .values(used_at=now)
        ),
    ).rowcount
    if claimed != 1:
        raise Unauthorized("This enrollment code was already used.", code="invalid_enrollment_code")
    token = new_secret("pt")
    session = PatientToken(patient_id=row.patient_id, token_hash=hash_secret(token))
    db.session.add(session)
    db.session.flush()
    mark_active(row.patient_id, now)
    audit.record(row.patient_id, "patient sign-in", target=f"patient_session_id={session.id}")
    return {"token": token, "patient": db.session.get_one(Patient, row.patient_id)}


def authenticate_patient(raw_token: str | None = None) -> Patient:
    """The bearer token of the request, or `raw_token` (the web app's cookie holds one)."""
    token, patient = _signed_in(raw_token or bearer_token())
    g.patient_token = token
    g.patient = patient
    audit.set_actor(PATIENT_SESSION, token.id, patient.clinic_id)
    audit.record_request(patient.id)
    return patient


@checks_credentials
def _signed_in(raw_token: str) -> tuple[PatientToken, Patient]:
    found = db.session.execute(
        db.select(PatientToken, Patient)
        .join(Patient, Patient.id == PatientToken.patient_id)
        .where(PatientToken.token_hash == hash_secret(raw_token), PatientToken.revoked_at.is_(None))
    ).first()
    now = utcnow()
    idle = timedelta(days=current_app.config["PATIENT_TOKEN_IDLE_DAYS"])
    if found is None or (found[0].last_used_at or found[0].created_at) + idle <= now:
        raise Unauthorized("Unknown, expired or revoked patient token; sign in again with a new code.")
    token, patient = found
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_PRECISION:
        # Sliding expiry, written at most daily; its own small commit, so read-only requests keep it too.
        def seen() -> None:
            db.session.execute(db.update(PatientToken).where(PatientToken.id == token.id).values(last_used_at=now))
            mark_active(patient.id, now)

        commit_on_its_own(seen)
    return token, patient


def current_session_id() -> int:
    session_id: int = g.patient_token.id
    return session_id


def current_patient() -> Patient:
    patient: Patient = g.patient
    return patient


def require_patient() -> None:
    """Blueprint guard: a before_request hook must return None to let the view run."""
    authenticate_patient()


@unit_of_work
def end_session(raw_token: str | None = None) -> None:
    """Sign out: this token stops working, and phones registered with it are freed."""
    authenticate_patient(raw_token)
    g.patient_token.revoked_at = utcnow()
    sessions_ended.send(None, session_ids=[g.patient_token.id])


@unit_of_work
def end_all_sessions(clinic: Clinic, patient_id: int) -> int:
    """A lost phone: every token of the patient stops working; returns how many did."""
    patient = get_patient(clinic, patient_id)
    ids = list(
        db.session.scalars(
            db.select(PatientToken.id).where(PatientToken.patient_id == patient.id, PatientToken.revoked_at.is_(None))
        )
    )
    if ids:
        db.session.execute(db.update(PatientToken).where(PatientToken.id.in_(ids)).values(revoked_at=utcnow()))
        sessions_ended.send(None, session_ids=ids)
    return len(ids)
