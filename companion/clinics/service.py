"""Clinics, their API keys and their own settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, g
from sqlalchemy import Select

from companion.audit import service as audit
from companion.audit.models import API_KEY
from companion.clinics.models import Clinic, ClinicApiKey
from companion.core.auth import bearer_token, hash_secret, new_secret
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid, NotFound, Unauthorized
from companion.core.pagination import Page, paginate
from companion.core.sqlite import reads_first
from companion.core.transaction import commit_on_its_own, unit_of_work
from companion.core.webhook_targets import UnsafeTarget, check_with_config
from companion.extensions import db


@dataclass(frozen=True)
class ClinicWithSecret:
    """A clinic as just saved, with its webhook secret when it was created or rotated (shown once)."""

    clinic: Clinic
    webhook_secret: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.clinic, name)


@unit_of_work
def create_clinic(name: str) -> tuple[Clinic, str]:
    """A clinic and its first API key; the key is returned once and stored hashed."""
    clinic = Clinic(name=name)
    db.session.add(clinic)
    db.session.flush()
    raw_key = issue_api_key(clinic)
    return clinic, raw_key


def issue_api_key(clinic: Clinic) -> str:
    raw_key = new_secret("ck")
    db.session.add(ClinicApiKey(clinic_id=clinic.id, key_hash=hash_secret(raw_key), prefix=raw_key[:10]))
    return raw_key


@dataclass(frozen=True)
class NewApiKey:
    """A key as just created: the only time the key itself is shown."""

    row: ClinicApiKey
    key: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


@unit_of_work
def create_api_key(clinic: Clinic) -> NewApiKey:
    raw_key = issue_api_key(clinic)
    db.session.flush()
    row = db.session.scalar(db.select(ClinicApiKey).where(ClinicApiKey.key_hash == hash_secret(raw_key)))
    return NewApiKey(row, raw_key)  # type: ignore[arg-type]


def _live_keys(clinic: Clinic) -> Select[tuple[ClinicApiKey]]:
    return (
        db.select(ClinicApiKey)
        .where(ClinicApiKey.clinic_id == clinic.id, ClinicApiKey.revoked_at.is_(None))
        .order_by(ClinicApiKey.id)
    )


def list_api_keys(clinic: Clinic) -> list[ClinicApiKey]:
    return list(db.session.scalars(_live_keys(clinic)))


def api_keys_page(clinic: Clinic, limit: int, offset: int) -> Page:
    return paginate(_live_keys(clinic), limit, offset)


@unit_of_work
def revoke_api_key(clinic: Clinic, key_id: int, *, keep_one: bool = False) -> None:
    """Revoked at once: the next request with it gets 401. The key in use may revoke itself,
    but through the API (`keep_one`) not the clinic's last live key: nothing could sign in
    to make a new one (the console and the CLI can, so they may)."""
    # The clinic's row is locked first, so two requests revoking each other's keys queue.
    db.session.execute(db.select(Clinic.id).where(Clinic.id == clinic.id).with_for_update())
    key = db.session.get(ClinicApiKey, key_id)
    if key is None or key.clinic_id != clinic.id or key.revoked_at is not None:
        raise NotFound("No such API key.")
    if keep_one and db.session.scalar(db.select(db.func.count()).select_from(_live_keys(clinic).subquery())) <= 1:
        raise Conflict(
            "This is your clinic's last live API key: create another one first, then revoke this one.",
            code="last_api_key",
        )
    key.revoked_at = utcnow()


def authenticate_clinic() -> Clinic:
    found = db.session.execute(
        db.select(ClinicApiKey, Clinic)
        .join(Clinic, Clinic.id == ClinicApiKey.clinic_id)
        .where(ClinicApiKey.key_hash == hash_secret(bearer_token()), ClinicApiKey.revoked_at.is_(None))
    ).first()
    if found is None:
        raise Unauthorized("Unknown or revoked clinic API key.")
    key, clinic = found
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= timedelta(minutes=10):
        # "last used" for the key list, written at most every ten minutes, in its own small commit.
        commit_on_its_own(
            lambda: db.session.execute(
                db.update(ClinicApiKey).where(ClinicApiKey.id == key.id).values(last_used_at=now)
            )
        )
    g.clinic = clinic
    audit.set_actor(API_KEY, key.id, clinic.id)
    return clinic


def current_clinic() -> Clinic:
    return g.clinic


def require_clinic() -> None:
    """Blueprint guard: a before_request hook must return None to let the view run."""
    with reads_first():
        authenticate_clinic()


@unit_of_work
def update_clinic(clinic: Clinic, data: dict[str, Any]) -> ClinicWithSecret:
    if data.get("webhook_url"):
        try:
            check_with_config(data["webhook_url"], current_app.config)
        except UnsafeTarget as err:
            raise Invalid("This webhook URL cannot be used.", fields={"webhook_url": [str(err)]}) from err
    for name in ("name", "descriptive_push", "webhook_url", "phone", "email", "hours"):
        if name in data:
            setattr(clinic, name, data[name])
    if clinic.webhook_url and not clinic.webhook_secret:
        return rotate_webhook_secret(clinic)
    db.session.flush()
    return ClinicWithSecret(clinic)


@unit_of_work
def rotate_webhook_secret(clinic: Clinic) -> ClinicWithSecret:
    clinic.webhook_secret = secrets.token_hex(32)
    db.session.flush()
    return ClinicWithSecret(clinic, clinic.webhook_secret)
