"""One SELECT per worklist reason, all of the same shape, so the database unions, counts,
orders and pages them: the list costs one page of rows whatever the clinic's size.

Every select yields `reason, patient_id, since, rank, acked, ref_id, detail, n`:
`rank` orders reasons (alerts by severity first), `acked` puts acknowledged alerts after
unacknowledged ones of the same severity, `ref_id` is the alert, visit, reminder or session
the item is about, `detail` and `n` carry what its label needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    select,
    text,
    true,
)

from companion.alerts.models import Alert, AlertStatus
from companion.checkins.models import CheckIn
from companion.checkins.triage_rules import Severity
from companion.core.db import UTCDateTime
from companion.courses.models import BOOKED, Appointment, CourseState
from companion.devices.models import Device
from companion.patients.contact import has_fallback
from companion.patients.models import Patient, PatientToken
from companion.reminders import models as r

# A 24 h / 48 h prompt still unanswered this long after it reached the phone, during the
# first week of aftercare (older silence is history, not a call to make now).
MISSED_AFTER = timedelta(hours=6)
MISSED_FOR = timedelta(days=7)
# Enrolled at least a day ago and never signed in, for the first month after enrollment.
NOT_SIGNED_IN_AFTER = timedelta(hours=24)
NOT_SIGNED_IN_FOR = timedelta(days=30)
# A visit is "unrecorded" once this long has passed without a session recorded.
UNRECORDED_AFTER = timedelta(hours=4)
PROMPTS = ("checkin:24h", "checkin:48h")
# Urgent alerts lead, then contact-the-clinic ones; a self-care alert follows every other item.
RANKS = {
    "open_alert": 0,
    "missed_checkin": 2,
    "appointment_unrecorded": 3,
    "undeliverable": 4,
    "unreachable": 5,
    "not_signed_in": 6,
    "rebooking_due": 7,
    "maintenance_due": 8,
}
ALERT_LAST_RANK = 9
# Reminders falling due this soon (or already due, still useful and not yet sent) make a
# patient whom nothing can reach someone to call before they are missed.
UNREACHABLE_AHEAD = timedelta(hours=24)


def _shape(
    reason: str,
    patient_id: Any,
    since: Any,
    *,
    rank: Any = None,
    acked: Any = None,
    ref_id: Any = None,
    detail: Any = None,
    n: Any = None,
) -> list[Any]:
    return [
        literal(reason).label("reason"),
        patient_id.label("patient_id"),
        since.label("since"),
        (literal(RANKS[reason]) if rank is None else rank).label("rank"),
        (false() if acked is None else acked).label("acked"),
        # NULLs typed: PostgreSQL reads two untyped NULLs of a UNION as text.
        (cast(null(), Integer) if ref_id is None else ref_id).label("ref_id"),
        (cast(null(), String) if detail is None else detail).label("detail"),
        (cast(null(), Integer) if n is None else n).label("n"),
    ]


def open_alerts(clinic_id: int, now: datetime, *, leading: bool) -> Select[Any]:
    """Every alert not yet resolved: acknowledged means someone took it, not that it is done.
    `leading`: urgent and contact-the-clinic ones (the list's head); else self-care (its tail)."""
    rank = case(
        (Alert.severity == Severity.URGENT, 0),
        (Alert.severity == Severity.CONTACT_CLINIC, 1),
        else_=ALERT_LAST_RANK,
    )
    acked = case((Alert.status == AlertStatus.ACKNOWLEDGED, true()), else_=false())
    columns = _shape(
        "open_alert", Alert.patient_id, Alert.created_at, rank=rank, acked=acked, ref_id=Alert.id, detail=Alert.severity
    )
    needing_the_clinic = Alert.severity.in_((Severity.URGENT, Severity.CONTACT_CLINIC))
    return select(*columns).where(
        Alert.clinic_id == clinic_id,
        Alert.status.in_((AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)),
        needing_the_clinic if leading else ~needing_the_clinic,
    )


def missed_checkins(clinic_id: int, now: datetime) -> Select[Any]:
    answered = exists().where(CheckIn.patient_id == r.Reminder.patient_id, CheckIn.created_at >= r.Reminder.sent_at)
    columns = _shape(
        "missed_checkin", r.Reminder.patient_id, r.Reminder.sent_at, ref_id=r.Reminder.id, detail=r.Reminder.plan_key
    )
    return select(*columns).where(
        r.Reminder.clinic_id == clinic_id,
        # Written as the partial index's own condition, with literals: a planner matches it only so.
        text(r.SENT_PROMPTS),
        r.Reminder.channel == r.PATIENT_PUSH,
        r.Reminder.sent_at <= now - MISSED_AFTER,
        r.Reminder.sent_at > now - MISSED_FOR,
        r.Reminder.acknowledged_at.is_(None),
        ~answered,
    )


def appointments_unrecorded(clinic_id: int, now: datetime) -> Select[Any]:
    columns = _shape(
        "appointment_unrecorded",
        Appointment.patient_id,
        Appointment.starts_at,
        ref_id=Appointment.id,
        detail=Appointment.kind,
    )
    return select(*columns).where(
        Appointment.clinic_id == clinic_id,
        Appointment.status == BOOKED,
        Appointment.starts_at <= now - UNRECORDED_AFTER,
    )


def undeliverable(clinic_id: int, now: datetime) -> Select[Any]:
    since = func.min(r.Reminder.updated_at, type_=UTCDateTime())
    columns = _shape("undeliverable", r.Reminder.patient_id, since, n=func.count())
    return (
        select(*columns)
        .where(
            r.Reminder.clinic_id == clinic_id,
            text(r.UNDELIVERABLE_ROWS),
            r.Reminder.channel == r.PATIENT_PUSH,
            r.Reminder.expires_at > now,
        )
        .group_by(r.Reminder.patient_id)
    )


def unreachable(clinic_id: int, now: datetime) -> Select[Any]:
    """Patients with pending reminders due within UNREACHABLE_AHEAD and no way to reach them:
    no active device and no consented, valid, not opted-out phone or e-mail (contact.py's rule)."""
    device = exists().where(Device.patient_id == r.Reminder.patient_id, Device.active.is_(True))
    since = func.min(r.Reminder.due_at, type_=UTCDateTime())
    columns = _shape("unreachable", r.Reminder.patient_id, since, n=func.count())
    return (
        select(*columns)
        .join(Patient, Patient.id == r.Reminder.patient_id)
        .where(
            # ix_reminders_clinic_pending's own condition: the clinic's pending rows by when they may go.
            text("status = 'pending'"),
            r.Reminder.available_at <= now + UNREACHABLE_AHEAD,
            r.Reminder.clinic_id == clinic_id,
            r.Reminder.channel == r.PATIENT_PUSH,
            r.Reminder.expires_at > now,
            ~device,
            ~has_fallback(Patient),
        )
        .group_by(r.Reminder.patient_id)
    )


def not_signed_in(clinic_id: int, now: datetime) -> Select[Any]:
    signed_in = exists().where(PatientToken.patient_id == Patient.id)
    columns = _shape("not_signed_in", Patient.id, Patient.created_at)
    return select(*columns).where(
        Patient.clinic_id == clinic_id,
        Patient.created_at <= now - NOT_SIGNED_IN_AFTER,
        Patient.created_at > now - NOT_SIGNED_IN_FOR,
        ~signed_in,
    )


def _course_reason(reason: str, clinic_id: int, now: datetime, since: Any, until: Any) -> Select[Any]:
    """From the stored course state (courses/course_state.py): the reason holds from `since` to
    `until`, instants compared with now here, so a window opening or lapsing needs no writer.
    A session recorded late, or imported, counts as much as one whose nudges went out."""
    s = CourseState
    columns = _shape(
        reason, s.patient_id, s.last_session_at, ref_id=s.treatment_id, detail=s.protocol_key, n=s.session_number
    )
    return select(*columns).where(s.clinic_id == clinic_id, until > now, since <= now)


def rebooking_due(clinic_id: int, now: datetime) -> Select[Any]:
    """The series' next session window has opened (or closed less than LAPSED_AFTER ago), nothing booked."""
    return _course_reason("rebooking_due", clinic_id, now, CourseState.rebooking_from, CourseState.rebooking_until)


def maintenance_due(clinic_id: int, now: datetime) -> Select[Any]:
    """From the first maintenance nudge until the last one has expired, nothing booked since."""
    return _course_reason(
        "maintenance_due", clinic_id, now, CourseState.maintenance_from, CourseState.maintenance_until
    )
