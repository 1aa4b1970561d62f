"""The audit trail: who touched which patient's data, when, from where.

Authentication names the actor (`set_actor`); the services that find a patient's data
call `record`, so the entry is written in the same transaction as the action: a failed
write leaves no entry, a read commits its entry itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import func, select

from companion.audit.models import ACTOR_KINDS, AuditEntry
from companion.core.transaction import commit_on_its_own, in_unit_of_work
from companion.extensions import db

_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_READS = frozenset({"GET", "HEAD"})


def set_actor(kind: str, actor_id: int, clinic_id: int) -> None:
    if kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {kind!r}")
    g.audit_actor = (kind, actor_id, clinic_id)
    g.audit_seen = set()


def _action() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    path = _RULE_PARAM.sub(r"{\1}", rule)
    return f"{request.method} {path}"[:160]


def _entry(patient_id: int | None, action: str | None) -> AuditEntry | None:
    """None outside a request with a known actor (CLI, dispatcher) or when this request
    already recorded the same patient and action."""
    if not has_request_context() or getattr(g, "audit_actor", None) is None:
        return None
    kind, actor_id, clinic_id = g.audit_actor
    action = action or _action()
    if (patient_id, action) in g.audit_seen:
        return None
    g.audit_seen.add((patient_id, action))
    return AuditEntry(
        clinic_id=clinic_id,
        patient_id=patient_id,
        actor_kind=kind,
        actor_id=actor_id,
        action=action,
        address=(request.remote_addr or "")[:64] or None,
    )


def record(patient_id: int | None, action: str | None = None) -> None:
    """Inside a service's unit of work: flushed with it. A read outside one commits its
    entry now (there is nothing else to commit)."""
    entry = _entry(patient_id, action)
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


def record_many(patient_ids: list[int]) -> None:
    """A list that shows several patients' data: one entry per patient."""
    entries = [entry for entry in (_entry(patient_id, None) for patient_id in dict.fromkeys(patient_ids)) if entry]
    if in_unit_of_work():
        db.session.add_all(entries)
        db.session.flush()
    elif entries:
        commit_on_its_own(lambda: db.session.add_all(entries))


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
