"""Clinics and their API keys."""
from __future__ import annotations

from flask import g

from companion.core.auth import bearer_token, hash_secret, new_secret
from companion.core.errors import Unauthorized
from companion.clinics.models import Clinic, ClinicApiKey
from companion.extensions import db


def create_clinic(name: str) -> tuple[Clinic, str]:
    """A clinic and its first API key; the key is returned once and stored hashed."""
    clinic = Clinic(name=name)
    db.session.add(clinic)
    db.session.flush()
    raw_key = issue_api_key(clinic)
    db.session.commit()
    return clinic, raw_key


def issue_api_key(clinic: Clinic) -> str:
    raw_key = new_secret("ck")
    db.session.add(ClinicApiKey(clinic_id=clinic.id, key_hash=hash_secret(raw_key)))
    return raw_key


def authenticate_clinic() -> Clinic:
    key = db.session.scalar(
        db.select(ClinicApiKey).where(
            ClinicApiKey.key_hash == hash_secret(bearer_token()), ClinicApiKey.revoked_at.is_(None)
        )
    )
    if key is None:
        raise Unauthorized("Unknown or revoked clinic API key.")
    clinic = db.session.get(Clinic, key.clinic_id)
    g.clinic = clinic
    return clinic


def current_clinic() -> Clinic:
    return g.clinic


def require_clinic() -> None:
    """Blueprint guard: a before_request hook must return None to let the view run."""
    authenticate_clinic()
