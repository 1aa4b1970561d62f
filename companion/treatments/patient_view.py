"""What the patient's app shows: the timeline and "what am I allowed to do now"."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from companion.core.clock import utcnow
from companion.extensions import db
from companion.patients.models import Patient
from companion.treatments import planning
from companion.treatments.models import Restriction, Treatment


def timeline_for(patient: Patient) -> dict[str, Any]:
    treatments = db.session.scalars(
        db.select(Treatment).where(Treatment.patient_id == patient.id).order_by(Treatment.performed_at)
    ).all()
    return {
        "patient_id": patient.id,
        "timezone": patient.timezone,
        "treatments": planning.with_timeline(list(treatments)),
    }


def status_for(patient: Patient, at: datetime | None) -> dict[str, Any]:
    at = at or utcnow()
    rows = db.session.execute(
        db.select(Restriction, Treatment.id)
        .join(Treatment, Restriction.treatment_id == Treatment.id)
        .where(Treatment.patient_id == patient.id, Treatment.status == "active")
        .order_by(Restriction.ends_at)
    ).all()
    restrictions = [
        {
            "kind": row.kind,
            "title": row.title,
            "detail": row.detail,
            "treatment_id": treatment_id,
            "active": row.starts_at <= at < row.ends_at,
            "until": row.ends_at,
        }
        for row, treatment_id in rows
    ]
    restricted = sorted({x["kind"] for x in restrictions if x["active"]})
    allowed = sorted({x["kind"] for x in restrictions} - set(restricted))
    return {"at": at, "restrictions": restrictions, "restricted_now": restricted, "allowed_now": allowed}
