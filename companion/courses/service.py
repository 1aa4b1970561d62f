"""The course: re-planning its forward-looking reminders, and the clinic's appointments.

Every change to a session or an appointment re-plans the course inside the same
transaction (`replan_course`), with the same supersede rule as re-planning a
treatment: unchanged rows keep their id, changed ones are replaced, and what
already reached the patient is history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.engine import Row

from companion.audit import service as audit
from companion.clinics.models import Clinic
from companion.core import idempotency
from companion.core.clock import utcnow
from companion.core.errors import Conflict, Invalid
from companion.core.i18n import N_
from companion.core.pagination import Page, paginate
from companion.core.tenancy import clinic_row
from companion.core.transaction import unit_of_work
from companion.courses import course_state, planner
from companion.courses.models import ATTENDED, BOOKED, CANCELLED, Appointment
from companion.extensions import db
from companion.patients.models import Patient
from companion.patients.service import get_patient
from companion.protocols.registry import get_registry
from companion.protocols.service import effective_protocol, overrides_changed
from companion.reminders import models as r
from companion.reminders import service as reminders
from companion.treatments.facts import PlannedReminder
from companion.treatments.models import Treatment, TreatmentStatus
from companion.treatments.service import prefs_of
from companion.treatments.service.planning import sessions_changed

# A session recorded within this much of a booked appointment is that appointment.
_SAME_VISIT = timedelta(hours=24)
_MAX_AHEAD = timedelta(days=2 * 366)
_FALLBACK_PROTOCOL = "microneedling-face"


def _sessions(patient: Patient) -> list[Row[Any]]:
    """The active sessions, oldest first: only what the course reads. Whole Treatment
    rows would bring each session's protocol snapshot and, eagerly, all its reminders."""
    return list(
        db.session.execute(
            db.select(
                Treatment.id,
                Treatment.clinic_id,
                Treatment.protocol_key,
                Treatment.performed_at,
                Treatment.session_number,
                Treatment.planned_sessions,
            )
            .where(Treatment.patient_id == patient.id, Treatment.status == TreatmentStatus.ACTIVE)
            .order_by(Treatment.performed_at, Treatment.id)
        )
    )


def _booked(patient: Patient) -> list[Appointment]:
    return list(
        db.session.scalars(
            db.select(Appointment).where(Appointment.patient_id == patient.id, Appointment.status == BOOKED)
        )
    )


def _course_rows() -> ColumnElement[bool]:
    return func.coalesce(r.Reminder.plan_key, "").startswith(planner.KEY_PREFIX)


def _course_state(patient: Patient) -> tuple[planner.History, list[Row[Any]]]:
    """What already reached the patient and the course rows still open, in one scan of the
    patient's rows (their reminders grow with every session): only the columns compared."""
    zone = ZoneInfo(patient.timezone)
    delivered = db.or_(r.Reminder.status == r.SENT, r.Reminder.acknowledged_at.is_not(None))
    rows = db.session.execute(
        db.select(
            r.Reminder.id,
            r.Reminder.plan_key,
            r.Reminder.kind,
            r.Reminder.status,
            r.Reminder.sent_at,
            r.Reminder.acknowledged_at,
            r.Reminder.due_at,
            r.Reminder.expires_at,
            r.Reminder.title,
            r.Reminder.body,
            r.Reminder.priority,
            r.Reminder.treatment_id,
            r.Reminder.category,
            r.Reminder.must_see,
        ).where(
            r.Reminder.patient_id == patient.id,
            db.or_(delivered, r.Reminder.status.in_(r.PLANNED_STATES)),
            db.or_(_course_rows(), r.Reminder.kind == planner.PROGRESS),
        )
    ).all()
    keys: set[str] = set()
    months: set[str] = set()
    open_rows: list[Row[Any]] = []
    for row in rows:
        course_row = row.plan_key is not None and row.plan_key.startswith(planner.KEY_PREFIX)
        if row.status == r.SENT or row.acknowledged_at is not None:
            if course_row:
                keys.add(row.plan_key)
            if row.kind == planner.PROGRESS and row.status == r.SENT:
                months.add(planner.month_of(row.sent_at or row.due_at, zone))
        if course_row and row.status in r.PLANNED_STATES:
            open_rows.append(row)
    return planner.History(delivered_keys=frozenset(keys), progress_months=frozenset(months)), open_rows


def _content(patient: Patient, latest: Row[Any] | None) -> Mapping[str, Any]:
    if latest is not None:
        return effective_protocol(latest.clinic_id, latest.protocol_key).content
    fallback = get_registry().get(_FALLBACK_PROTOCOL) or get_registry().all()[0]
    return effective_protocol(patient.clinic_id, fallback.key).content


@unit_of_work
def replan_course(patient: Patient) -> None:
    _replan(patient, _sessions(patient), _booked(patient))


@unit_of_work
def _replan(patient: Patient, sessions: list[Row[Any]], booked: list[Appointment]) -> None:
    now = utcnow()
    latest = sessions[-1] if sessions else None
    history, open_rows = _course_state(patient)
    content = _content(patient, latest)
    plan = planner.plan_course(
        content,
        [planner.Session(t.id, t.performed_at, t.session_number, t.planned_sessions) for t in sessions],
        [planner.Booking(a.id, a.starts_at, a.note) for a in booked],
        prefs_of(patient),
        history,
        now,
    )
    owner = latest.id if latest is not None else None
    by_key = {row.plan_key: row for row in open_rows}
    kept: set[int] = set()
    new: list[PlannedReminder] = []
    for item in plan:
        row = by_key.get(item.plan_key)
        if row is not None and _unchanged(row, item, owner, now):
            kept.add(row.id)
        else:
            new.append(item)
    reminders.add_reminders(new, clinic_id=patient.clinic_id, patient_id=patient.id, treatment_id=owner)
    reminders.supersede([row.id for row in open_rows if row.id not in kept], now)
    course_state.record(patient.id, patient.clinic_id, latest, [a.starts_at for a in booked], content)
    db.session.flush()
    _forget_timelines(sessions)


def _forget_timelines(sessions: list[Row[Any]]) -> None:
    """Course rows may have moved between sessions: a session already loaded in this
    transaction reads its timeline again."""
    for session in sessions:
        loaded = db.session.identity_map.get(db.session.identity_key(Treatment, session.id))
        if loaded is not None:
            db.session.expire(loaded, ["timeline_reminders"])


def _unchanged(row: Row[Any], item: PlannedReminder, owner: int | None, now: datetime) -> bool:
    same_due = row.due_at == item.due_at or (row.due_at <= now and item.due_at <= now)
    compared = ("kind", "expires_at", "title", "body", "priority", "category", "must_see")
    same = all(getattr(row, name) == getattr(item, name) for name in compared)
    return same_due and same and row.treatment_id == owner


def _on_sessions_changed(patient: Patient) -> None:
    """A recorded session attends the booked appointment it falls on, then the course re-plans."""
    sessions, booked = _sessions(patient), _booked(patient)
    for appointment in booked:
        visit = next((t for t in sessions if abs(t.performed_at - appointment.starts_at) <= _SAME_VISIT), None)
        if visit is not None:
            appointment.status, appointment.treatment_id = ATTENDED, visit.id
    _replan(patient, sessions, [a for a in booked if a.status == BOOKED])


def connect_signals() -> None:
    sessions_changed.connect(_on_sessions_changed)
    overrides_changed.connect(course_state.on_overrides_changed)


# -- appointments ---------------------------------------------------------------------


def _check_starts_at(data: dict[str, Any]) -> None:
    if "starts_at" not in data:
        return
    now = utcnow()
    if not now < data["starts_at"] <= now + _MAX_AHEAD:
        raise Invalid(
            N_("starts_at is out of range."),
            fields={"starts_at": ["Must be in the future and at most two years ahead."]},
        )


@unit_of_work
def book_appointment(
    clinic: Clinic, patient_id: int, data: dict[str, Any], key: str | None = None
) -> tuple[Appointment, bool]:
    """Returns (appointment, replayed): a retry with the same key answers the first booking."""
    patient = get_patient(clinic, patient_id)
    scope = Appointment.clinic_id == clinic.id
    print_ = idempotency.fingerprint(patient_id=patient.id, **data)
    existing = idempotency.earlier(Appointment, scope, key, print_)
    if existing is not None:
        return existing, True
    _check_starts_at(data)
    appointment = Appointment(
        clinic_id=clinic.id,
        patient_id=patient.id,
        starts_at=data["starts_at"],
        kind=data["kind"],
        note=data["note"],
    )
    appointment, replayed = idempotency.insert_once(appointment, scope, key, print_)
    if not replayed:
        replan_course(patient)
    return appointment, replayed


def _appointments_of(patient: Patient) -> Select[Appointment]:
    return (
        select(Appointment).where(Appointment.patient_id == patient.id).order_by(Appointment.starts_at, Appointment.id)
    )


def list_appointments(clinic: Clinic, patient_id: int) -> list[Appointment]:
    return appointments_of(get_patient(clinic, patient_id))


def appointments_page(clinic: Clinic, patient_id: int, limit: int, offset: int) -> Page:
    return paginate(_appointments_of(get_patient(clinic, patient_id)), limit, offset)


def appointments_of(patient: Patient) -> list[Appointment]:
    return list(db.session.scalars(_appointments_of(patient)))


def own_appointments_page(patient: Patient, limit: int, offset: int) -> Page:
    return paginate(_appointments_of(patient), limit, offset)


def next_appointment(patient: Patient) -> Appointment | None:
    return db.session.scalar(
        select(Appointment)
        .where(Appointment.patient_id == patient.id, Appointment.status == BOOKED, Appointment.starts_at > utcnow())
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(1)
    )


def get_appointment(clinic: Clinic, appointment_id: int) -> Appointment:
    """Read, changed or cancelled by id: recorded against the patient (as the request's method and route)."""
    appointment = clinic_row(Appointment, appointment_id, clinic.id, "appointment")
    audit.record(appointment.patient_id)
    return appointment


@unit_of_work
def update_appointment(clinic: Clinic, appointment_id: int, data: dict[str, Any]) -> Appointment:
    """Moving a visit moves its reminder; a cancelled or attended one cannot be changed."""
    appointment = get_appointment(clinic, appointment_id)
    if appointment.status != BOOKED:
        raise Conflict(f"This appointment is {appointment.status}; book a new one instead.", code="appointment_closed")
    _check_starts_at(data)
    for name in ("starts_at", "kind", "note"):
        if name in data:
            setattr(appointment, name, data[name])
    db.session.flush()
    replan_course(db.session.get_one(Patient, appointment.patient_id))
    return appointment


@unit_of_work
def cancel_appointment(clinic: Clinic, appointment_id: int) -> None:
    """Cancelling brings back the course's nudges that are still useful."""
    appointment = get_appointment(clinic, appointment_id)
    if appointment.status == CANCELLED:
        return
    if appointment.status == ATTENDED:
        raise Conflict("This appointment was attended; cancel the treatment instead.", code="appointment_closed")
    appointment.status, appointment.cancelled_at = CANCELLED, utcnow()
    db.session.flush()
    replan_course(db.session.get_one(Patient, appointment.patient_id))
