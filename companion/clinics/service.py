"""Clinics, their API keys and their own settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, g
from sqlalchemy import Select, select

from companion.audit import service as audit
from companion.audit.models import API_KEY, CLI
from companion.clinics.models import Clinic, ClinicApiKey
from companion.clinics.zones import zone_for_country
from companion.core.auth import bearer_token, checks_credentials, hash_secret, new_secret
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid, NotFound, Unauthorized
from companion.core.i18n import N_
from companion.core.pagination import Page, paginate
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
    country = str(current_app.config.get("DEFAULT_COUNTRY") or "ES").upper()[:2]
    clinic = Clinic(name=name, country=country, timezone=zone_for_country(country))
    db.session.add(clinic)
    db.session.flush()
    raw_key = issue_api_key(clinic)
    return clinic, raw_key


def issue_api_key(clinic: Clinic) -> str:
    """A new key made by the request's actor (a key or a staff member), else by the operator's command line."""
    raw_key = new_secret("ck")
    kind, actor_id = audit.current_actor() or (CLI, None)
    db.session.add(
        ClinicApiKey(
            clinic_id=clinic.id,
            key_hash=hash_secret(raw_key),
            prefix=raw_key[:10],
            created_by_kind=kind,
            created_by_id=actor_id,
        )
    )
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
    """At most `MAX_API_KEYS` live keys per clinic (409 `api_key_limit`): a leaked key cannot mint
    an unbounded set of others. Creations of one clinic take turns on its row, so the cap holds."""
    db.session.execute(db.select(Clinic.id).where(Clinic.id == clinic.id).with_for_update())
    cap = current_app.config["MAX_API_KEYS"]
    live = db.session.scalar(
        db.select(db.func.count())
        .select_from(ClinicApiKey)
        .where(ClinicApiKey.clinic_id == clinic.id, ClinicApiKey.revoked_at.is_(None))
    )
    if live >= cap:
        raise Conflict(
            f"This clinic already has {cap} live API keys, the most allowed; revoke one you no longer use first.",
            code="api_key_limit",
        )
    raw_key = issue_api_key(clinic)
    db.session.flush()
    row = db.session.scalar(db.select(ClinicApiKey).where(ClinicApiKey.key_hash == hash_secret(raw_key)))
    audit.record(None, "api key created", target=f"api_key_id={row.id}")
    return NewApiKey(row, raw_key)


def _live_keys(clinic: Clinic) -> Select[ClinicApiKey]:
    return (
        select(ClinicApiKey)
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
    audit.record(None, "api key revoked", target=f"api_key_id={key.id}")


@checks_credentials
def authenticate_clinic() -> Clinic:
    found = db.session.execute(
        select(ClinicApiKey, Clinic)
        .join(Clinic, Clinic.id == ClinicApiKey.clinic_id)
        .where(ClinicApiKey.key_hash == hash_secret(bearer_token()), ClinicApiKey.revoked_at.is_(None))
    ).first()
    if found is None:
        _note_refused_key()
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


def _note_refused_key() -> None:
    """A revoked key still tells whose it was: its refusal goes into that clinic's audit."""
    revoked = db.session.execute(
        db.select(ClinicApiKey.id, ClinicApiKey.clinic_id).where(ClinicApiKey.key_hash == hash_secret(bearer_token()))
    ).first()
    if revoked is not None:
        audit.set_actor(API_KEY, revoked.id, revoked.clinic_id, action="revoked api key used")


def current_clinic() -> Clinic:
    clinic: Clinic = g.clinic
    return clinic


def require_clinic() -> None:
    """Blueprint guard: a before_request hook must return None to let the view run."""
    authenticate_clinic()


@unit_of_work
def update_clinic(clinic: Clinic, data: dict[str, Any]) -> ClinicWithSecret:
    """A new webhook URL gets a new signing secret (shown once in the answer): whoever ran
    the old endpoint cannot sign events for the new one. Its breaker starts afresh."""
    if data.get("webhook_url"):
        try:
            check_with_config(data["webhook_url"], current_app.config)
        except UnsafeTarget as err:
            raise Invalid(N_("This webhook URL cannot be used."), fields={"webhook_url": [str(err)]}) from err
    url_changed = "webhook_url" in data and data["webhook_url"] != clinic.webhook_url
    if data.get("timezone", clinic.timezone) != clinic.timezone:
        audit.record(None, "clinic time zone changed", target=f"timezone={data['timezone']}")
    for name in ("name", "descriptive_push", "webhook_url", "phone", "email", "hours", "country", "timezone"):
        if name in data:
            setattr(clinic, name, data[name])
    if url_changed:
        audit.record(None, "webhook url changed" if clinic.webhook_url else "webhook removed")
        clinic.webhook_failures, clinic.webhook_paused_until, clinic.webhook_last_error = 0, None, None
        if not clinic.webhook_url:
            clinic.webhook_secret = None
    if clinic.webhook_url and (url_changed or not clinic.webhook_secret):
        return rotate_webhook_secret(clinic)
    db.session.flush()
    return ClinicWithSecret(clinic)


@unit_of_work
def rotate_webhook_secret(clinic: Clinic) -> ClinicWithSecret:
    clinic.webhook_secret = secrets.token_hex(32)
    audit.record(None, "webhook secret rotated")
    db.session.flush()
    return ClinicWithSecret(clinic, clinic.webhook_secret)
