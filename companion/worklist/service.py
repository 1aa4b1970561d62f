"""What needs a person at the clinic, gathered from real data, most urgent first.

Each reason is one query over the clinic's own rows; nothing is stored, so the list
is never stale and nothing needs closing twice (resolve the alert, book the visit,
record the session, and the item goes away by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from companion.alerts.models import Alert, AlertStatus
from companion.audit import service as audit
from companion.checkins.models import CheckIn
from companion.checkins.triage_rules import Severity
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.pagination import Page, paginate_list
from companion.courses.models import BOOKED, Appointment
from companion.courses.planner import MAINTENANCE, NEXT_SESSION
from companion.extensions import db
from companion.patients.models import Patient, PatientToken
from companion.reminders import models as r
from companion.treatments.models import Treatment, TreatmentStatus

REASONS = (
    "open_alert",
    "missed_checkin",
    "appointment_unrecorded",
    "undeliverable",
    "not_signed_in",
    "rebooking_due",
    "maintenance_due",
)
# A 24 h / 48 h prompt still unanswered this long after it reached the phone.
MISSED_AFTER = timedelta(hours=6)
NOT_SIGNED_IN_AFTER = timedelta(hours=24)
# A visit is "unrecorded" once this long has passed without a session recorded.
UNRECORDED_AFTER = timedelta(hours=4)
_PROMPTS = ("checkin:24h", "checkin:48h")
# Alerts that need the clinic lead the list, most severe first; the rest follow every other item.
_ALERT_LAST_RANK = 8


@dataclass(frozen=True)
class WorkItem:
    reason: str
    patient_id: int
    since: datetime
    label: str
    rank: int
    ref: dict[str, int]


def worklist(clinic: Clinic, reason: str | None, limit: int, offset: int) -> Page:
    now = utcnow()
    wanted = [reason] if reason else list(REASONS)
    items: list[WorkItem] = []
    for name in wanted:
        items += _FINDERS[name](clinic.id, now)
    items.sort(key=lambda item: (item.rank, item.since, item.patient_id))
    page = paginate_list(items, limit, offset)
    shown = {item.patient_id for item in page["items"]}
    query = db.select(Patient.id, Patient.display_name).where(Patient.id.in_(shown))
    names = dict(db.session.execute(query).all()) if shown else {}
    page["items"] = [{**item.__dict__, "patient_name": names.get(item.patient_id)} for item in page["items"]]
    audit.record_list([item["patient_id"] for item in page["items"]])  # names and notes of the patients shown
    return page


def _open_alerts(clinic_id: int, now: datetime) -> list[WorkItem]:
    """Every alert not yet resolved: acknowledged means someone took it, not that it is done."""
    alerts = db.session.scalars(
        db.select(Alert).where(
            Alert.clinic_id == clinic_id, Alert.status.in_((AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED))
        )
    )
    return [
        WorkItem(
            "open_alert",
            a.patient_id,
            a.created_at,
            f"{a.severity.replace('_', ' ')}: {', '.join(a.reasons) or 'check-in'}"
            + (f" ({a.checkin_count} check-ins)" if a.checkin_count > 1 else "")
            + (" · acknowledged" if a.status == AlertStatus.ACKNOWLEDGED else ""),
            _alert_rank(Severity(a.severity)),
            {"alert_id": a.id},
        )
        for a in alerts
    ]


def _alert_rank(severity: Severity) -> int:
    """Urgent 0, contact the clinic 1; a self-care alert after everything else."""
    if severity.rank >= Severity.CONTACT_CLINIC.rank:
        return Severity.URGENT.rank - severity.rank
    return _ALERT_LAST_RANK


def _missed_checkins(clinic_id: int, now: datetime) -> list[WorkItem]:
    answered = db.exists().where(CheckIn.patient_id == r.Reminder.patient_id, CheckIn.created_at >= r.Reminder.sent_at)
    rows = db.session.scalars(
        db.select(r.Reminder).where(
            r.Reminder.clinic_id == clinic_id,
            r.Reminder.channel == r.PATIENT_PUSH,
            r.Reminder.plan_key.in_(_PROMPTS),
            r.Reminder.status == r.SENT,
            r.Reminder.sent_at <= now - MISSED_AFTER,
            ~answered,
            r.Reminder.acknowledged_at.is_(None),
        )
    )
    return [
        WorkItem(
            "missed_checkin",
            row.patient_id,
            row.sent_at,
            f"no answer to the {row.plan_key[8:]} check-in",
            2,
            {"reminder_id": row.id},
        )
        for row in rows
    ]


def _appointments_unrecorded(clinic_id: int, now: datetime) -> list[WorkItem]:
    rows = db.session.scalars(
        db.select(Appointment).where(
            Appointment.clinic_id == clinic_id,
            Appointment.status == BOOKED,
            Appointment.starts_at <= now - UNRECORDED_AFTER,
        )
    )
    return [
        WorkItem(
            "appointment_unrecorded",
            a.patient_id,
            a.starts_at,
            f"{a.kind} visit passed without a session",
            3,
            {"appointment_id": a.id},
        )
        for a in rows
    ]


def _undeliverable(clinic_id: int, now: datetime) -> list[WorkItem]:
    rows = db.session.execute(
        db.select(r.Reminder.patient_id, db.func.min(r.Reminder.updated_at), db.func.count())
        .where(
            r.Reminder.clinic_id == clinic_id,
            r.Reminder.channel == r.PATIENT_PUSH,
            r.Reminder.status == r.UNDELIVERABLE,
            r.Reminder.expires_at > now,
        )
        .group_by(r.Reminder.patient_id)
    ).all()
    return [
        WorkItem("undeliverable", patient_id, since, f"{count} reminders found no phone", 4, {})
        for patient_id, since, count in rows
    ]


def _not_signed_in(clinic_id: int, now: datetime) -> list[WorkItem]:
    signed_in = db.exists().where(PatientToken.patient_id == Patient.id)
    rows = db.session.scalars(
        db.select(Patient).where(
            Patient.clinic_id == clinic_id,
            Patient.created_at <= now - NOT_SIGNED_IN_AFTER,
            ~signed_in,
        )
    )
    label = "enrolled but never signed in to the app"
    return [WorkItem("not_signed_in", p.id, p.created_at, label, 5, {}) for p in rows]


def _nudged(kind: str, reason: str, rank: int, label: str) -> Callable[[int, datetime], list[WorkItem]]:
    """Patients whose course nudge (about their latest session) fell due and nothing is booked since."""

    def find(clinic_id: int, now: datetime) -> list[WorkItem]:
        latest = (
            db.select(Treatment.patient_id, db.func.max(Treatment.performed_at).label("performed_at"))
            .where(Treatment.clinic_id == clinic_id, Treatment.status == TreatmentStatus.ACTIVE)
            .group_by(Treatment.patient_id)
            .subquery()
        )
        booked = db.exists().where(
            Appointment.patient_id == latest.c.patient_id,
            Appointment.status == BOOKED,
            Appointment.starts_at > latest.c.performed_at,
        )
        rows = db.session.execute(
            db.select(r.Reminder.patient_id, db.func.min(r.Reminder.due_at))
            .join(latest, latest.c.patient_id == r.Reminder.patient_id)
            .where(
                r.Reminder.clinic_id == clinic_id,
                r.Reminder.kind == kind,
                r.Reminder.due_at <= now,
                r.Reminder.due_at > latest.c.performed_at,
                r.Reminder.status.in_((r.SENT, r.UNDELIVERABLE, r.EXPIRED)),
                ~booked,
            )
            .group_by(r.Reminder.patient_id)
        ).all()
        return [WorkItem(reason, patient_id, since, label, rank, {}) for patient_id, since in rows]

    return find


_FINDERS = {
    "open_alert": _open_alerts,
    "missed_checkin": _missed_checkins,
    "appointment_unrecorded": _appointments_unrecorded,
    "undeliverable": _undeliverable,
    "not_signed_in": _not_signed_in,
    "rebooking_due": _nudged(NEXT_SESSION, "rebooking_due", 6, "next session of the series not booked"),
    "maintenance_due": _nudged(MAINTENANCE, "maintenance_due", 7, "maintenance session not booked"),
}
