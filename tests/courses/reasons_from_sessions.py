"""The worklist's course reasons as they were computed before the course state was stored:
read from the sessions and bookings at every request. Kept as the reference the stored
state must agree with (tests/courses/test_course_state.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, or_, select, tuple_
from sqlalchemy.orm import aliased

from companion.core.localtime import add_months
from companion.courses.models import BOOKED, Appointment
from companion.courses.timing import LAPSED_AFTER, Window
from companion.treatments.models import Treatment, TreatmentStatus


def _latest_unbooked(clinic_id: int, after: datetime) -> Any:
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


def rebooking_due(clinic_id: int, now: datetime, windows: list[Window]) -> Any:
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
    after = min((now - w.series_closes - LAPSED_AFTER for w in windows), default=now)
    return select(Treatment.patient_id, Treatment.id, Treatment.performed_at).where(
        _latest_unbooked(clinic_id, after), Treatment.session_number < Treatment.planned_sessions, opened
    )


def maintenance_due(clinic_id: int, now: datetime, windows: list[Window]) -> Any:
    due = or_(
        false(),
        *(
            and_(
                Treatment.protocol_key == w.key,
                Treatment.performed_at <= _months_before(now, w.maintenance_months),
                Treatment.performed_at > _months_before(now, w.maintenance_last_months) - w.maintenance_grace,
            )
            for w in windows
        ),
    )
    after = min((_months_before(now, w.maintenance_last_months) - w.maintenance_grace for w in windows), default=now)
    return select(Treatment.patient_id, Treatment.id, Treatment.performed_at).where(
        _latest_unbooked(clinic_id, after), due
    )
