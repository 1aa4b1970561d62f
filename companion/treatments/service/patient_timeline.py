"""What the patient's app shows: the timeline and "what am I allowed to do now"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion.core.clock import utcnow
from companion.extensions import db
from companion.patients.models import Patient
from companion.treatments.models import WITH_TIMELINE, Restriction, Treatment, TreatmentStatus


def timeline_for(patient: Patient) -> dict[str, Any]:
    treatments = db.session.scalars(
        db.select(Treatment)
        .where(Treatment.patient_id == patient.id)
        .order_by(Treatment.performed_at)
        .options(WITH_TIMELINE)
    ).all()
    return {
        "patient_id": patient.id,
        "timezone": patient.timezone,
        "treatments": list(treatments),
    }


def status_for(patient: Patient, at: datetime | None) -> dict[str, Any]:
    at = at or utcnow()
    rows = db.session.execute(
        db.select(Restriction, Treatment.id)
        .join(Treatment, Restriction.treatment_id == Treatment.id)
        .where(Treatment.patient_id == patient.id, Treatment.status == TreatmentStatus.ACTIVE)
        .order_by(Restriction.ends_at)
    ).all()
    by_kind: dict[str, list[Restriction]] = {}
    owner: dict[int, int] = {}
    for row, treatment_id in rows:
        by_kind.setdefault(row.kind, []).append(row)
        owner[row.id] = treatment_id
    restrictions = [_merged(kind, windows, owner, at) for kind, windows in by_kind.items()]
    restrictions.sort(key=lambda x: (x["until"], x["kind"]))
    restricted = sorted({x["kind"] for x in restrictions if x["active"]})
    allowed = sorted({x["kind"] for x in restrictions} - set(restricted))
    return {"at": at, "restrictions": restrictions, "restricted_now": restricted, "allowed_now": allowed}


def _merged(kind: str, windows: list[Restriction], owner: dict[int, int], at: datetime) -> dict[str, Any]:
    """Overlapping windows of one kind from several sessions are one restriction: the latest end wins."""
    started = [w for w in windows if w.starts_at <= at] or windows
    latest = max(started, key=lambda w: (w.ends_at, w.id))
    return {
        "kind": kind,
        "title": latest.title,
        "detail": latest.detail,
        "treatment_id": owner[latest.id],
        "active": any(w.starts_at <= at < w.ends_at for w in windows),
        "until": latest.ends_at,
    }
