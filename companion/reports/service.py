"""A clinic's results over a period: do its patients get, open and follow their reminders,
answer check-ins, and rebook? Each figure is one aggregate query over the clinic's rows.

The period is whole days of the clinic's zone, `start` to `end` inclusive ("1 to 7 December"
means the clinic's own days, midnight to midnight on its wall clock, DST included). Reminders count by when they were
due, alerts by when they were raised, series sessions by when they were performed.
`protocol` narrows everything to patients with a session of that protocol.
"""

from __future__ import annotations

import csv
import io
import statistics
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from companion.alerts.models import Alert
from companion.checkins.models import CheckIn
from companion.checkins.triage_rules import Severity
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.db import UTCDateTime
from companion.core.localtime import local_date, wall_to_utc
from companion.courses.models import ATTENDED, BOOKED, Appointment
from companion.extensions import db
from companion.protocols.service import effective_protocols
from companion.reminders import models as r
from companion.treatments.models import Treatment, TreatmentStatus

PROMPTS = ("checkin:24h", "checkin:48h")
# Not meant to be sent: replaced, cancelled, or of a category the patient muted.
_NOT_PLANNED = (r.SUPERSEDED, r.CANCELLED, r.SKIPPED)
_PATIENT_CHANNELS = (r.PATIENT_PUSH,)
MAX_DAYS = 366
DEFAULT_DAYS = 30
_Session = aliased(Treatment, name="series_session")


def engagement(clinic: Clinic, start: date | None, end: date | None, protocol: str | None) -> dict[str, Any]:
    """The whole report (the API's body, the Results page's figures, the CSV's rows); by default
    the last 30 days up to today."""
    zone = ZoneInfo(clinic.timezone)
    end = end or local_date(utcnow(), zone)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    since = wall_to_utc(start, time.min, zone)
    until = wall_to_utc(end + timedelta(days=1), time.min, zone)
    scope = _Scope(clinic.id, since, until, protocol)
    return {
        "from": start,
        "to": end,
        "timezone": clinic.timezone,
        "protocol": protocol,
        "reminders": _reminders(scope),
        "checkins": _checkins(scope),
        "alerts": _alerts(scope),
        "series": _series(scope, clinic),
        "unreachable_patients": _unreachable(scope),
    }


class _Scope:
    def __init__(self, clinic_id: int, since: datetime, until: datetime, protocol: str | None) -> None:
        self.clinic_id, self.since, self.until, self.protocol = clinic_id, since, until, protocol

    def patients(self, patient_id: Any) -> ColumnElement[bool]:
        """The protocol's patients (everyone without a protocol)."""
        if self.protocol is None:
            return true()
        return exists().where(
            Treatment.patient_id == patient_id,
            Treatment.clinic_id == self.clinic_id,
            Treatment.protocol_key == self.protocol,
        )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _patient_reminders(scope: _Scope) -> list[ColumnElement[bool]]:
    return [
        r.Reminder.clinic_id == scope.clinic_id,
        r.Reminder.channel.in_(_PATIENT_CHANNELS),
        r.Reminder.due_at >= scope.since,
        r.Reminder.due_at < scope.until,
        r.Reminder.status.not_in(_NOT_PLANNED),
        scope.patients(r.Reminder.patient_id),
    ]


def _reminders(scope: _Scope) -> list[dict[str, Any]]:
    """Planned → sent → opened (the app fetched it) → acknowledged, per kind and channel."""
    rows = db.session.execute(
        select(
            r.Reminder.kind,
            r.Reminder.channel,
            func.count(),
            _count_if(r.Reminder.sent_at.is_not(None)),
            _count_if(r.Reminder.opened_at.is_not(None)),
            _count_if(r.Reminder.acknowledged_at.is_not(None)),
        )
        .where(*_patient_reminders(scope))
        .group_by(r.Reminder.kind, r.Reminder.channel)
        .order_by(r.Reminder.kind, r.Reminder.channel)
    ).all()
    return [
        {"kind": kind, "channel": channel, "planned": planned, "sent": sent, "opened": opened, "acknowledged": acked}
        for kind, channel, planned, sent, opened, acked in rows
    ]


def _checkins(scope: _Scope) -> dict[str, int]:
    """Check-in prompts that reached the phone in the period, and those the patient answered while
    the prompt still stood (after it arrived, before it expired)."""
    answered = exists().where(
        CheckIn.patient_id == r.Reminder.patient_id,
        CheckIn.created_at >= r.Reminder.sent_at,
        CheckIn.created_at < r.Reminder.expires_at,
    )
    row = db.session.execute(
        select(func.count(), _count_if(answered)).where(
            r.Reminder.clinic_id == scope.clinic_id,
            text(r.SENT_PROMPTS),  # the partial index's own condition (worklist/queries.py)
            r.Reminder.channel.in_(_PATIENT_CHANNELS),
            r.Reminder.sent_at >= scope.since,
            r.Reminder.sent_at < scope.until,
            scope.patients(r.Reminder.patient_id),
        )
    ).one()
    return {"prompts_sent": row[0], "answered": row[1]}


def _alerts(scope: _Scope) -> list[dict[str, Any]]:
    """Alerts raised per severity, how many were acknowledged, the median minutes it took."""
    rows = db.session.execute(
        select(Alert.severity, Alert.created_at, Alert.acknowledged_at).where(
            Alert.clinic_id == scope.clinic_id,
            Alert.created_at >= scope.since,
            Alert.created_at < scope.until,
            scope.patients(Alert.patient_id),
        )
    ).all()
    report = []
    for severity in reversed(tuple(Severity)):
        mine = [row for row in rows if row.severity == severity]
        if not mine and severity == Severity.EXPECTED:
            continue
        waits = [(row.acknowledged_at - row.created_at).total_seconds() / 60 for row in mine if row.acknowledged_at]
        report.append(
            {
                "severity": str(severity),
                "raised": len(mine),
                "acknowledged": len(waits),
                "median_minutes_to_acknowledge": round(statistics.median(waits), 1) if waits else None,
            }
        )
    return report


def _series(scope: _Scope, clinic: Clinic) -> dict[str, int]:
    """Series sessions (not the last of their series) performed in the period: was the next one
    recorded or booked before the window closed, is the window still open, or was it missed?"""
    later_session = (
        select(func.min(Treatment.performed_at))
        .where(
            Treatment.patient_id == _Session.patient_id,
            Treatment.status == TreatmentStatus.ACTIVE,
            Treatment.performed_at > _Session.performed_at,
        )
        .scalar_subquery()
    )
    later_visit = (
        select(func.min(Appointment.starts_at))
        .where(
            Appointment.patient_id == _Session.patient_id,
            Appointment.status.in_((BOOKED, ATTENDED)),
            Appointment.starts_at > _Session.performed_at,
        )
        .scalar_subquery()
    )
    sessions = (
        select(
            _Session.protocol_key.label("key"),
            _Session.performed_at.label("performed"),
            later_session.label("session_at"),
            later_visit.label("visit_at"),
        )
        .where(
            _Session.clinic_id == scope.clinic_id,
            _Session.status == TreatmentStatus.ACTIVE,
            _Session.performed_at >= scope.since,
            _Session.performed_at < scope.until,
            _Session.session_number < _Session.planned_sessions,
            true() if scope.protocol is None else _Session.protocol_key == scope.protocol,
        )
        .cte("series_sessions")
        .prefix_with("MATERIALIZED")  # computed once, read by both parts below
    )
    closes = {p.key: timedelta(weeks=p.content["series"]["spacing_weeks_max"]) for p in effective_protocols(clinic.id)}
    now = utcnow()
    # Nothing came next: the window is open while performed + its close lies ahead. Counted in SQL,
    # so only the sessions something followed come back as rows (the rest may be thousands).
    opened_after = case(
        {key: now - close for key, close in closes.items()}, value=sessions.c.key, else_=now - timedelta(weeks=6)
    )
    nothing_next = and_(sessions.c.session_at.is_(None), sessions.c.visit_at.is_(None))
    no_count = cast(null(), Integer)
    followed = select(*sessions.c, no_count, no_count).where(~nothing_next)
    no_time = cast(null(), UTCDateTime())
    waiting = select(
        literal("", String), no_time, no_time, no_time, func.count(), _count_if(sessions.c.performed > opened_after)
    ).where(nothing_next)
    counts = {"sessions": 0, "rebooked_on_time": 0, "window_open": 0, "missed": 0}
    for key, performed, session_at, visit_at, waited, still_open in db.session.execute(union_all(waiting, followed)):
        if performed is None:  # the one row of the sessions nothing followed
            counts["sessions"] += waited
            counts["window_open"] += still_open
            counts["missed"] += waited - still_open
            continue
        counts["sessions"] += 1
        next_at = min(t for t in (session_at, visit_at) if t is not None)
        on_time = next_at <= performed + closes.get(key, timedelta(weeks=6))
        counts["rebooked_on_time" if on_time else "missed"] += 1
    return counts


def _unreachable(scope: _Scope) -> int:
    """Patients with reminders due in the period of which none reached a phone."""
    reached = func.sum(case((r.Reminder.sent_at.is_not(None), 1), else_=0))
    per_patient = (
        select(r.Reminder.patient_id)
        .where(*_patient_reminders(scope), r.Reminder.status.not_in(r.OPEN_STATES))
        .group_by(r.Reminder.patient_id)
        .having(reached == 0)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(per_patient)) or 0


def as_csv(report: dict[str, Any]) -> str:
    """One row per figure: section, kind, channel, measure, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "kind", "channel", "measure", "value"])
    for row in report["reminders"]:
        for measure in ("planned", "sent", "opened", "acknowledged"):
            writer.writerow(["reminders", row["kind"], row["channel"], measure, row[measure]])
    for measure, value in report["checkins"].items():
        writer.writerow(["checkins", "", "", measure, value])
    for row in report["alerts"]:
        for measure in ("raised", "acknowledged", "median_minutes_to_acknowledge"):
            value = row[measure]
            writer.writerow(["alerts", row["severity"], "", measure, "" if value is None else value])
    for measure, value in report["series"].items():
        writer.writerow(["series", "", "", measure, value])
    writer.writerow(["patients", "", "", "unreachable", report["unreachable_patients"]])
    return out.getvalue()
