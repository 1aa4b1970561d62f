"""One-time sign-in links sent by SMS and e-mail: spending one signs the patient app in.

The dispatcher mints them (reminders/dispatch/fallback.py); only the POST of the link's page
spends one, so a link previewer or mail scanner that fetches the page leaves it working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, update

from companion.audit import service as audit
from companion.audit.models import PATIENT as PATIENT_SESSION
from companion.audit.models import PATIENT_REPLY
from companion.clinics.models import Clinic
from companion.core.auth import hash_secret, new_secret
from companion.core.clock import utcnow
from companion.core.errors import Unauthorized
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.patients.activity import mark_active
from companion.patients.contact import BY_LINK
from companion.patients.models import Patient, PatientToken, SignInLink

UNUSABLE = "This link was used or has expired. Ask your clinic for a new code, or open the app."


@dataclass(frozen=True)
class LinkSignIn:
    token: str  # a new patient token, for the app's cookie
    reminder_id: int | None  # what the link opens


def usable(raw: str) -> bool:
    """For the link's page: whether Continue can work (the page spends nothing)."""
    row = db.session.scalar(db.select(SignInLink).where(SignInLink.token_hash == hash_secret(raw)))
    return row is not None and row.used_at is None and row.expires_at > utcnow()


@unit_of_work
def spend(raw: str) -> LinkSignIn:
    """A new patient session for the link's patient; the link works once."""
    now = utcnow()
    row = db.session.scalar(db.select(SignInLink).where(SignInLink.token_hash == hash_secret(raw)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized(UNUSABLE, code="invalid_sign_in_link")
    # Conditional update: of two simultaneous POSTs of one link, exactly one signs in.
    spent = cast(
        CursorResult[Any],
        db.session.execute(
            update(SignInLink).where(SignInLink.id == row.id, SignInLink.used_at.is_(None)).values(used_at=now)
        ),
    ).rowcount
    if spent != 1:
        raise Unauthorized(UNUSABLE, code="invalid_sign_in_link")
    patient = db.session.get_one(Patient, row.patient_id)
    token = new_secret("pt")
    session = PatientToken(patient_id=patient.id, token_hash=hash_secret(token))
    db.session.add(session)
    db.session.flush()
    mark_active(patient.id, now)
    audit.set_actor(PATIENT_SESSION, session.id, patient.clinic_id)
    audit.record(patient.id, "patient sign-in", target=f"sign_in_link_id={row.id}")
    return LinkSignIn(token, row.reminder_id)


@unit_of_work
def unsubscribe_email(raw: str) -> str | None:
    """RFC 8058 one-click unsubscribe: the link's patient gets no more e-mail, at once. Any link
    ever sent works (spent or expired too: an old e-mail's unsubscribe must still work); the link
    only names the patient, it signs nothing in. Returns the clinic's name, None for no such link."""
    row = db.session.scalar(db.select(SignInLink).where(SignInLink.token_hash == hash_secret(raw)))
    if row is None:
        return None
    patient = db.session.get_one(Patient, row.patient_id)
    if patient.email_opted_out_at is None:
        patient.email_opted_out_at, patient.email_opted_out_via = utcnow(), BY_LINK
        audit.set_actor(PATIENT_REPLY, patient.id, patient.clinic_id)
        audit.record(patient.id, "email opt-out", target=f"sign_in_link_id={row.id}")
    return clinic_name(patient)


def link_clinic(raw: str) -> str | None:
    """The clinic's name for the unsubscribe page (which changes nothing), None for no such link."""
    row = db.session.scalar(db.select(SignInLink).where(SignInLink.token_hash == hash_secret(raw)))
    return None if row is None else clinic_name(db.session.get_one(Patient, row.patient_id))


def clinic_name(patient: Patient) -> str:
    return db.session.get_one(Clinic, patient.clinic_id).name
