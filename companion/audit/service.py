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

from companion.audit.models import ACTOR_KINDS, AuditEntry
from companion.core.pagination import Page, paginate
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


def _entry(patient_id: int | None, action: str | None, listed: list[int] | None = None) -> AuditEntry | None:
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
        listed=",{},".format(",".join(map(str, dict.fromkeys(listed)))) if listed else None,
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


def record_list(patient_ids: list[int]) -> None:
    """A list read that shows several patients' data: one entry naming the patients on the
    page it returned (not every patient the list could hold)."""
    entry = _entry(None, None, patient_ids) if patient_ids else None
    if entry is None:
        return
    if in_unit_of_work():
        db.session.add(entry)
        db.session.flush()
    else:
        commit_on_its_own(lambda: db.session.add(entry))


def about(patient_id: int) -> Any:
    """Entries about one patient: their own, and list reads that showed them."""
    return db.or_(AuditEntry.patient_id == patient_id, AuditEntry.listed.contains(f",{patient_id},"))


def list_entries(clinic_id: int, *, patient_id: int | None, since: datetime | None, limit: int, offset: int) -> Page:
    query = db.select(AuditEntry).where(AuditEntry.clinic_id == clinic_id)
    if patient_id is not None:
        query = query.where(about(patient_id))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return paginate(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), limit, offset)


def entries_about(clinic_id: int, patient_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.clinic_id == clinic_id, about(patient_id)).order_by(AuditEntry.id)
        )
    )


def has_entries(clinic_id: int, patient_id: int) -> bool:
    return (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.clinic_id == clinic_id, about(patient_id))
        )
        > 0
    )
