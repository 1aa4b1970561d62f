"""Turn a timeline plan into rows: restrictions and outbox reminders.

Called inside the caller's transaction, so a treatment and its timeline are
written (or re-planned) together or not at all.
"""

from __future__ import annotations

from dataclasses import asdict

from blinker import Namespace
from sqlalchemy.orm.attributes import set_committed_value

from companion.core.clock import utcnow
from companion.core.localtime import parse_hhmm
from companion.extensions import db
from companion.patients.models import Patient
from companion.protocols.definition import Protocol
from companion.protocols.service import effective_protocol
from companion.reminders import models as r
from companion.reminders import service as reminders
from companion.treatments.facts import PatientPrefs, PlannedReminder, TimelinePlan, TreatmentFacts
from companion.treatments.models import Restriction, Treatment, TreatmentStatus, timeline_of
from companion.treatments.timeline import plan_timeline

signals = Namespace()
# The patient's sessions changed (recorded, corrected, cancelled, re-planned): the course
# domain listens and re-plans what looks forward. Sent inside the caller's transaction.
sessions_changed = signals.signal("sessions-changed", doc="sender: the Patient")
# Rows owned by the course (next-session nudges, progress, maintenance, appointments), not by one session.
COURSE_KEY_PREFIX = "course:"


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


def plan_for(treatment: Treatment, patient: Patient, protocol: Protocol) -> TimelinePlan:
    """The timeline of the treatment as it now stands; its restrictions and protocol snapshot
    are set on it (before its INSERT, for a new one: no UPDATE after)."""
    plan = plan_timeline(protocol, facts_of(treatment), prefs_of(patient))
    treatment.restrictions = [
        Restriction(kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at, title=x.title, detail=x.detail)
        for x in plan.restrictions
    ]
    treatment.protocol_snapshot = {
        "protocol": protocol.as_dict(),
        "expected_course": asdict(plan.expected_course),
    }
    return plan


def apply_plan(treatment: Treatment, patient: Patient, protocol: Protocol) -> None:
    """Plans a recorded treatment again: what reached the patient stays history, unchanged
    open reminders keep their row, the others are superseded by new rows."""
    plan = plan_for(treatment, patient, protocol)
    delivered = set(
        db.session.scalars(
            db.select(r.Reminder.plan_key).where(
                r.Reminder.treatment_id == treatment.id,
                db.or_(r.Reminder.status == r.SENT, r.Reminder.acknowledged_at.is_not(None)),
            )
        )
    )
    key = db.func.coalesce(r.Reminder.plan_key, "")
    # Check-in follow-ups stay; course rows are planned by the course.
    planned = db.not_(key.startswith("followup:")) & db.not_(key.startswith(COURSE_KEY_PREFIX))
    open_rows = {
        row.plan_key: row
        for row in db.session.scalars(
            db.select(r.Reminder).where(
                r.Reminder.treatment_id == treatment.id, r.Reminder.status.in_(r.PLANNED_STATES), planned
            )
        )
    }
    write_reminders(treatment, plan, delivered=delivered, open_rows=open_rows)


def write_reminders(
    treatment: Treatment,
    plan: TimelinePlan,
    *,
    delivered: set[str] | None = None,
    open_rows: dict[str | None, r.Reminder] | None = None,
) -> None:
    """The plan's reminders as outbox rows. A treatment just inserted has none yet, so
    nothing is delivered or open: it passes the plan alone."""
    delivered, open_rows = delivered or set(), open_rows or {}
    now = utcnow()
    kept: set[int] = set()
    new: list[PlannedReminder] = []
    for item in plan.reminders:
        if item.plan_key in delivered or item.expires_at <= now:
            continue
        row = open_rows.get(item.plan_key)
        if row is not None and _unchanged(row, item):
            kept.add(row.id)  # same id for the app, same retry state for the dispatcher
            continue
        new.append(item)
    reminders.add_reminders(
        new, clinic_id=treatment.clinic_id, patient_id=treatment.patient_id, treatment_id=treatment.id
    )
    reminders.supersede([row.id for row in open_rows.values() if row.id not in kept], now)
    db.session.flush()
    db.session.expire(treatment, ["timeline_reminders"])  # read again with the new plan


def with_timeline(treatment: Treatment) -> Treatment:
    """Reads the re-planned timeline inside the unit of work, for the response: read after
    the commit it would take a second transaction (on SQLite, a POST's takes the write lock)."""
    set_committed_value(treatment, "timeline_reminders", db.session.scalars(timeline_of(treatment)).all())
    return treatment


def _unchanged(row: r.Reminder, item: PlannedReminder) -> bool:
    return (row.kind, row.due_at, row.expires_at, row.title, row.body, row.priority, row.category, row.must_see) == (
        item.kind,
        item.due_at,
        item.expires_at,
        item.title,
        item.body,
        item.priority,
        item.category,
        item.must_see,
    )


def cancel_open_reminders(treatment: Treatment) -> None:
    """The session's own reminders are cancelled; its course rows are re-planned by the course."""
    key = db.func.coalesce(r.Reminder.plan_key, "")
    db.session.execute(
        db.update(r.Reminder)
        .where(
            r.Reminder.treatment_id == treatment.id,
            r.Reminder.status.in_(r.PLANNED_STATES),
            db.not_(key.startswith(COURSE_KEY_PREFIX)),
        )
        .values(status=r.CANCELLED, lease_until=None, updated_at=utcnow())
    )
    db.session.expire(treatment, ["timeline_reminders"])


def replan_patient(patient: Patient) -> None:
    """Time zone, locale or quiet hours changed: every active treatment is planned again."""
    treatments = db.session.scalars(
        db.select(Treatment).where(Treatment.patient_id == patient.id, Treatment.status == TreatmentStatus.ACTIVE)
    ).all()
    for treatment in treatments:
        apply_plan(treatment, patient, effective_protocol(treatment.clinic_id, treatment.protocol_key))
    sessions_changed.send(patient)
