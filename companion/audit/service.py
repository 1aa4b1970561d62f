"""The audit trail: who touched which patient's data or changed security settings, when,
from where, on what, and whether it was allowed.

Authentication names the actor (`set_actor`); the services that find a patient's data or
make a security-relevant change call `record`, so the entry is written in the same
transaction as the action, and a read commits its entry itself. What the services do not
record is caught once, after the response (`finish_request`): every refused or failed
request of a known actor (a 404 on another clinic's id keeps the attempted id as its
target), and every write that succeeded without an entry.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response
from sqlalchemy import func, select

from companion.audit.models import ACTOR_KINDS, DENIED, FAILED, OK, AuditEntry
from companion.core.transaction import commit_on_its_own, in_unit_of_work
from companion.extensions import db

log = logging.getLogger(__name__)

_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_READS = frozenset({"GET", "HEAD"})


def set_actor(kind: str, actor_id: int, clinic_id: int, *, action: str | None = None) -> None:
    """Who acts in this request. `action` names what a refusal is recorded as (sign-ins)."""
    if kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {kind!r}")
    g.audit_actor = (kind, actor_id, clinic_id)
    g.audit_seen = set()
    g.audit_failure_action = action


def current_actor() -> tuple[str, int] | None:
    """(kind, id) of who acts in this request, None outside one (CLI, dispatcher)."""
    actor = g.get("audit_actor") if has_request_context() else None
    return (actor[0], actor[1]) if actor else None


def _action() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    path = _RULE_PARAM.sub(r"{\1}", rule)
    return f"{request.method} {path}"[:160]


def _target() -> str | None:
    """The ids the request named ("appointment_id=42"): kept also when they were not the actor's."""
    names = request.view_args or {}
    return ",".join(f"{name}={value}" for name, value in sorted(names.items()))[:160] or None


def _new_entry(patient_id: int | None, action: str, target: str | None, outcome: str) -> AuditEntry:
    kind, actor_id, clinic_id = g.audit_actor
    return AuditEntry(
        clinic_id=clinic_id,
        patient_id=patient_id,
        actor_kind=kind,
        actor_id=actor_id,
        action=action[:160],
        target=target[:160] if target else _target(),
        outcome=outcome,
        address=(request.remote_addr or "")[:64] or None,
    )


def _entry(patient_id: int | None, action: str | None, target: str | None = None) -> AuditEntry | None:
    """None outside a request with a known actor (CLI, dispatcher) or when this request
    already recorded the same patient and action."""
    if not has_request_context() or getattr(g, "audit_actor", None) is None:
        return None
    action = action or _action()
    if (patient_id, action) in g.audit_seen:
        return None
    g.audit_seen.add((patient_id, action))
    return _new_entry(patient_id, action, target, OK)


def record(patient_id: int | None, action: str | None = None, *, target: str | None = None) -> None:
    """Inside a service's unit of work: flushed with it. A read outside one commits its
    entry now (there is nothing else to commit). `action` names a security event
    ("api key created"); by default it is the request's method and route."""
    entry = _entry(patient_id, action, target)
    if entry is None:
        return
    if in_unit_of_work():
        db.session.add(entry)
        db.session.flush()
    else:
        commit_on_its_own(lambda: db.session.add(entry))


def record_request(patient_id: int) -> None:
    """For a guard that runs before the view: a read is recorded now; a write is added to
    the session and committed by the write's own unit of work (or dropped if it fails)."""
    if has_request_context() and request.method in _READS:
        record(patient_id)
        return
    entry = _entry(patient_id, None)
    if entry is not None:
        db.session.add(entry)


_COLUMNS = ("clinic_id", "patient_id", "actor_kind", "actor_id", "action", "target", "outcome", "address")


def record_many(patient_ids: list[int]) -> None:
    """A list that shows several patients' data: one entry per patient."""
    entries = [entry for entry in (_entry(patient_id, None) for patient_id in dict.fromkeys(patient_ids)) if entry]
    if not entries:
        return
    # One INSERT for the page, not one per patient (the ORM inserts rows one by one to learn their ids).
    rows = [{column: getattr(entry, column) for column in _COLUMNS} for entry in entries]
    if in_unit_of_work():
        db.session.execute(db.insert(AuditEntry), rows)
    else:
        commit_on_its_own(lambda: db.session.execute(db.insert(AuditEntry), rows))


def finish_request(response: Response) -> Response:
    """after_request: a refused or failed request of a known actor, or a write that succeeded
    with no entry, is recorded now, in a transaction of its own (the request's was rolled back)."""
    if getattr(g, "audit_actor", None) is None:
        return response
    status = response.status_code
    if status < 400 and (request.method in _READS or request.method == "OPTIONS" or g.audit_seen):
        return response
    outcome = OK if status < 400 else DENIED if status in (401, 403, 404) else FAILED
    action = (outcome != OK and g.get("audit_failure_action")) or _action()
    try:
        db.session.rollback()
        commit_on_its_own(lambda: db.session.add(_new_entry(None, action, None, outcome)))
    except Exception:  # the answer stands; a database that fails here fails loudly elsewhere
        log.exception("audit entry for %s could not be written", action)
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.after_request(finish_request)


def prune(before: datetime) -> int:
    """The retention job: entries older than `before` go. The only deletion there is; on
    PostgreSQL the append-only trigger lets it through for this transaction alone."""
    with db.engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL companion.audit_prune = 'on'")
        else:
            connection.execution_options(sqlite_immediate=True)
        return connection.execute(db.delete(AuditEntry).where(AuditEntry.at < before)).rowcount


def list_entries(
    clinic_id: int, *, patient_id: int | None, since: datetime | None, limit: int, offset: int
) -> dict[str, Any]:
    query = db.select(AuditEntry).where(AuditEntry.clinic_id == clinic_id)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset))
    return {"items": list(rows), "total": total, "limit": limit, "offset": offset}


def entries_about(clinic_id: int, patient_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.clinic_id == clinic_id, AuditEntry.patient_id == patient_id)
            .order_by(AuditEntry.id)
        )
    )


def has_entries(clinic_id: int, patient_id: int) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.clinic_id == clinic_id, AuditEntry.patient_id == patient_id)
        )
        or 0
    ) > 0
