"""One SELECT per worklist reason, all of the same shape, so the database unions, counts,
orders and pages them: the list costs one page of rows whatever the clinic's size.

Every select yields `reason, patient_id, since, rank, acked, ref_id, detail, n`:
`rank` orders reasons (alerts by severity first), `acked` puts acknowledged alerts after
unacknowledged ones of the same severity, `ref_id` is the alert, visit, reminder or session
the item is about, `detail` and `n` carry what its label needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.orm import aliased

from companion.alerts.models import Alert, AlertStatus
from companion.checkins.models import CheckIn
from companion.checkins.triage_rules import Severity
from companion.core.db import UTCDateTime
from companion.core.localtime import add_months
from companion.courses.models import BOOKED, Appointment
from companion.patients.models import Patient, PatientToken
from companion.protocols.definition import Protocol
from companion.reminders import models as r
from companion.treatments.models import Treatment, TreatmentStatus

# A 24 h / 48 h prompt still unanswered this long after it reached the phone, during the
# first week of aftercare (older silence is history, not a call to make now).
MISSED_AFTER = timedelta(hours=6)
MISSED_FOR = timedelta(days=7)
# Enrolled at least a day ago and never signed in, for the first month after enrollment.
NOT_SIGNED_IN_AFTER = timedelta(hours=24)
NOT_SIGNED_IN_FOR = timedelta(days=30)
# A series whose window closed stays "rebooking due" this long, then it has lapsed
# (the maintenance nudges take over); maintenance is due through its nudges' span.
LAPSED_AFTER = timedelta(weeks=8)
# A visit is "unrecorded" once this long has passed without a session recorded.
UNRECORDED_AFTER = timedelta(hours=4)
PROMPTS = ("checkin:24h", "checkin:48h")
# Urgent alerts lead, then contact-the-clinic ones; a self-care alert follows every other item.
RANKS = {
    "open_alert": 0,
    "missed_checkin": 2,
    "appointment_unrecorded": 3,
    "undeliverable": 4,
    "not_signed_in": 5,
    "rebooking_due": 6,
    "maintenance_due": 7,
}
ALERT_LAST_RANK = 8


@dataclass(frozen=True)
class Window:
    """A protocol's course timing, from the clinic's effective protocol."""

    key: str
    series_opens: timedelta
    series_closes: timedelta
    maintenance_months: int
    maintenance_last_months: int
    maintenance_grace: timedelta

    @classmethod
    def of(cls, protocol: Protocol) -> Window:
        series, maintenance = protocol.content["series"], protocol.content["maintenance"]
        months = maintenance["nudge_months"] or [maintenance["due_months"]]
        return cls(
            protocol.key,
            timedelta(weeks=series["spacing_weeks_min"]),
            timedelta(weeks=series["spacing_weeks_max"]),
            min(months),
            max(months),
            timedelta(days=maintenance["nudge_expires_after_days"]),
        )


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


def not_signed_in(clinic_id: int, now: datetime) -> Select[Any]:
    signed_in = exists().where(PatientToken.patient_id == Patient.id)
    columns = _shape("not_signed_in", Patient.id, Patient.created_at)
    return select(*columns).where(
        Patient.clinic_id == clinic_id,
        Patient.created_at <= now - NOT_SIGNED_IN_AFTER,
        Patient.created_at > now - NOT_SIGNED_IN_FOR,
        ~signed_in,
    )


def _latest_unbooked(clinic_id: int, after: datetime) -> Any:
    """Each patient's latest active session performed after `after`, when nothing is booked after it.
    `after` bounds the sessions and bookings compared as well, so both are read by index range."""
    newer = aliased(Treatment)
    later = exists().where(
        newer.patient_id == Treatment.patient_id,
        newer.status == TreatmentStatus.ACTIVE,
        newer.performed_at > after,
        tuple_(newer.performed_at, newer.id) > tuple_(Treatment.performed_at, Treatment.id),
    )
    booked = exists().where(
        Appointment.patient_id == Treatment.patient_id,
        Appointment.status == BOOKED,
        Appointment.starts_at > after,
        Appointment.starts_at > Treatment.performed_at,
    )
    return and_(
        Treatment.clinic_id == clinic_id,
        Treatment.status == TreatmentStatus.ACTIVE,
        Treatment.performed_at > after,
        ~later,
        ~booked,
    )


def _months_before(now: datetime, months: int) -> datetime:
    day = add_months(now.date(), -months)
    return now.replace(year=day.year, month=day.month, day=day.day)


def _maintenance_cutoff(window: Window, now: datetime) -> Any:
    """From the first maintenance nudge until the last one has expired."""
    return and_(
        Treatment.protocol_key == window.key,
        Treatment.performed_at <= _months_before(now, window.maintenance_months),
        Treatment.performed_at > _months_before(now, window.maintenance_last_months) - window.maintenance_grace,
    )


def rebooking_due(clinic_id: int, now: datetime, windows: list[Window]) -> Select[Any]:
    """From the course's state, not from nudge rows: the series' next session window has opened
    (or closed less than LAPSED_AFTER ago) and nothing is booked. A session recorded late, or
    imported, counts as much as one whose nudges went out."""
    opened = or_(
        false(),
        *(
            and_(
                Treatment.protocol_key == w.key,
                Treatment.performed_at <= now - w.series_opens,
                Treatment.performed_at > now - w.series_closes - LAPSED_AFTER,
            )
            for w in windows
        ),
    )
    columns = _shape(
        "rebooking_due",
        Treatment.patient_id,
        Treatment.performed_at,
        ref_id=Treatment.id,
        detail=Treatment.protocol_key,
        n=Treatment.session_number,
    )
    after = min((now - w.series_closes - LAPSED_AFTER for w in windows), default=now)
    return select(*columns).where(
        _latest_unbooked(clinic_id, after), Treatment.session_number < Treatment.planned_sessions, opened
    )


def maintenance_due(clinic_id: int, now: datetime, windows: list[Window]) -> Select[Any]:
    """The latest session is old enough for maintenance and nothing is booked since."""
    due = or_(false(), *(_maintenance_cutoff(w, now) for w in windows))
    columns = _shape("maintenance_due", Treatment.patient_id, Treatment.performed_at, ref_id=Treatment.id)
    after = min((_months_before(now, w.maintenance_last_months) - w.maintenance_grace for w in windows), default=now)
    return select(*columns).where(_latest_unbooked(clinic_id, after), due)
