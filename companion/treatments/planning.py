"""Turn a timeline plan into rows: restrictions and outbox reminders.

Called inside the caller's transaction, so a treatment and its timeline are
written (or re-planned) together or not at all.
"""
from __future__ import annotations

from dataclasses import asdict

from companion.core.clock import utcnow
from companion.core.errors import Invalid
from companion.extensions import db
from companion.clinics.models import ProtocolOverride
from companion.patients.models import Patient
from companion.reminders import models as r
from companion.treatments.facts import PatientPrefs, TreatmentFacts
from companion.treatments.localtime import parse_hhmm
from companion.treatments.models import Restriction, Treatment
from companion.treatments.protocols import Protocol, ProtocolOverrideError, get_registry

# Rows replaced by a newer plan: kept for audit, hidden from the timeline.
SUPERSEDED = "superseded"


def prefs_of(patient: Patient) -> PatientPrefs:
    return PatientPrefs(
        timezone=patient.timezone,
        locale=patient.locale,
        quiet_start=parse_hhmm(patient.quiet_start),
        quiet_end=parse_hhmm(patient.quiet_end),
    )


def facts_of(treatment: Treatment) -> TreatmentFacts:
    return TreatmentFacts(
        performed_at=treatment.performed_at,
        needle_depth_mm=treatment.needle_depth_mm,
        area=treatment.area,
        combined_with=tuple(treatment.combined_with),
        session_number=treatment.session_number,
        planned_sessions=treatment.planned_sessions,
    )


def effective_protocol(clinic_id: int, key: str) -> Protocol:
    """The protocol with the clinic's own values applied: the provider's instructions win."""
    protocol = get_registry().get(key)
    if protocol is None:
        raise Invalid("Unknown protocol.", fields={"protocol": [f"No protocol {key!r}; see GET /v1/protocols."]})
    override = db.session.scalar(
        db.select(ProtocolOverride).where(
            ProtocolOverride.clinic_id == clinic_id, ProtocolOverride.protocol_key == key
        )
    )
    if override is None:
        return protocol
    try:
        return protocol.with_overrides(override.values)
    except ProtocolOverrideError:  # stored overrides were valid when saved; a protocol file changed since
        return protocol


def apply_plan(treatment: Treatment, patient: Patient, protocol: Protocol) -> None:
    from companion.treatments.timeline import plan_timeline

    plan = plan_timeline(protocol, facts_of(treatment), prefs_of(patient))
    now = utcnow()
    delivered = set(
        db.session.scalars(
            db.select(r.Reminder.plan_key).where(
                r.Reminder.treatment_id == treatment.id,
                db.or_(r.Reminder.status == r.SENT, r.Reminder.acknowledged_at.is_not(None)),
            )
        )
    )
    planned = db.not_(db.func.coalesce(r.Reminder.plan_key, "").startswith("followup:"))  # check-in follow-ups stay
    open_rows = {
        row.plan_key: row
        for row in db.session.scalars(
            db.select(r.Reminder).where(
                r.Reminder.treatment_id == treatment.id, r.Reminder.status.in_(r.OPEN_STATES), planned
            )
        )
    }
    treatment.restrictions = [
        Restriction(kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at, title=x.title, detail=x.detail)
        for x in plan.restrictions
    ]
    kept: set[int] = set()
    for item in plan.reminders:
        if item.plan_key in delivered or item.expires_at <= now:
            continue
        row = open_rows.get(item.plan_key)
        if row is not None and _unchanged(row, item):
            kept.add(row.id)  # same id for the app, same retry state for the dispatcher
            continue
        db.session.add(
            r.Reminder(
                channel=r.PATIENT_PUSH,
                clinic_id=treatment.clinic_id,
                patient_id=patient.id,
                treatment_id=treatment.id,
                kind=item.kind,
                plan_key=item.plan_key,
                title=item.title,
                body=item.body,
                priority=item.priority,
                due_at=item.due_at,
                expires_at=item.expires_at,
                available_at=item.due_at,
            )
        )
    replaced = [row.id for row in open_rows.values() if row.id not in kept]
    if replaced:
        # A claimed row may be in flight: superseding it makes the dispatcher's finish a lost claim.
        db.session.execute(
            db.update(r.Reminder)
            .where(r.Reminder.id.in_(replaced), r.Reminder.status.in_(r.OPEN_STATES))
            .values(status=SUPERSEDED, lease_until=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    treatment.protocol_snapshot = {
        "protocol": protocol.as_dict(),
        "expected_course": asdict(plan.expected_course),
    }


def _unchanged(row: r.Reminder, item) -> bool:
    return (row.kind, row.due_at, row.expires_at, row.title, row.body, row.priority) == (
        item.kind, item.due_at, item.expires_at, item.title, item.body, item.priority
    )


def cancel_open_reminders(treatment: Treatment) -> None:
    db.session.execute(
        db.update(r.Reminder)
        .where(r.Reminder.treatment_id == treatment.id, r.Reminder.status.in_(r.OPEN_STATES))
        .values(status=r.CANCELLED, lease_until=None, updated_at=utcnow())
    )


def replan_patient(patient: Patient) -> None:
    """Time zone, locale or quiet hours changed: every active treatment is planned again."""
    treatments = db.session.scalars(
        db.select(Treatment).where(Treatment.patient_id == patient.id, Treatment.status == "active")
    ).all()
    for treatment in treatments:
        apply_plan(treatment, patient, effective_protocol(treatment.clinic_id, treatment.protocol_key))


def visible_reminders(treatment_ids: list[int]) -> dict[int, list[r.Reminder]]:
    rows = db.session.scalars(
        db.select(r.Reminder)
        .where(r.Reminder.treatment_id.in_(treatment_ids), r.Reminder.status != SUPERSEDED)
        .order_by(r.Reminder.due_at, r.Reminder.id)
    ).all()
    grouped: dict[int, list[r.Reminder]] = {tid: [] for tid in treatment_ids}
    for row in rows:
        grouped[row.treatment_id].append(row)  # type: ignore[index]
    return grouped


def with_timeline(treatments: list[Treatment]) -> list[Treatment]:
    grouped = visible_reminders([t.id for t in treatments])
    for treatment in treatments:
        treatment.timeline_reminders = grouped[treatment.id]  # type: ignore[attr-defined]
    return treatments
