"""Alerts: off-course check-ins become the clinic's work list, pushed to staff phones
and the clinic's webhook through the same outbox. Staff pushes ignore the patient's
quiet hours: they go out at once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import current_app

from companion.alerts.models import Alert, AlertCheckIn, AlertStatus
from companion.audit import service as audit
from companion.checkins.models import CheckIn
from companion.checkins.service import checkin_triaged
from companion.checkins.triage_rules import Severity
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.errors import Conflict
from companion.core.i18n import N_, translate
from companion.core.pagination import Page, paginate
from companion.core.tenancy import clinic_row
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models as r
from companion.reminders import service as reminders
from companion.reminders.service import NewReminder


def list_alerts(clinic: Clinic, status: str | None, limit: int, offset: int, patient_id: int | None = None) -> Page:
    query = db.select(Alert).where(Alert.clinic_id == clinic.id)
    if patient_id is not None:
        query = query.where(Alert.patient_id == patient_id)
    if status:
        query = query.where(Alert.status == status)
    page = paginate(query.order_by(Alert.created_at.desc(), Alert.id.desc()), limit, offset)
    audit.record_list([alert.patient_id for alert in page["items"]])
    return page


def alerts_by_id(clinic: Clinic, alert_ids: list[int]) -> dict[int, Alert]:
    if not alert_ids:
        return {}
    rows = db.session.scalars(db.select(Alert).where(Alert.clinic_id == clinic.id, Alert.id.in_(alert_ids)))
    return {alert.id: alert for alert in rows}


def get_alert(clinic: Clinic, alert_id: int) -> Alert:
    alert = clinic_row(Alert, alert_id, clinic.id, "alert")
    audit.record(alert.patient_id)
    return alert


@unit_of_work
def acknowledge(clinic: Clinic, alert_id: int) -> Alert:
    """Idempotent; stops the re-sends of an urgent alert."""
    alert = get_alert(clinic, alert_id)
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = utcnow()
        queue_webhook(alert, "alert.acknowledged")
    return alert


@unit_of_work
def resolve(clinic: Clinic, alert_id: int, note: str) -> Alert:
    alert = get_alert(clinic, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("This alert is already resolved.", code="alert_resolved")
    now = utcnow()
    alert.acknowledged_at = alert.acknowledged_at or now
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolution_note = note
    queue_webhook(alert, "alert.resolved")
    return alert


# Outcomes that reach the clinic's phones; self_care is listed for the clinic but not pushed.
PUSHED = {Severity.CONTACT_CLINIC: "normal", Severity.URGENT: "high"}
ALERTED = (Severity.SELF_CARE, Severity.CONTACT_CLINIC, Severity.URGENT)
_STAFF_PUSH_LIFETIME = timedelta(hours=24)
_WEBHOOK_LIFETIME = timedelta(hours=48)


def raise_alert(checkin: CheckIn, *, patient: Patient) -> Alert | None:
    """Receiver of `checkin_triaged`: runs inside the check-in's own transaction.

    While the patient has an unresolved alert, a new off-course check-in attaches to it
    (count, latest check-in) instead of opening another; staff get a new push only when
    the severity rises, or for an urgent one once the re-send delay has passed.
    """
    if checkin.outcome not in ALERTED:
        return None
    # Concurrent check-ins of one patient queue here (PostgreSQL row lock; SQLite write
    # requests already hold the database's write lock), so they cannot open two alerts.
    # FOR NO KEY UPDATE: the check-in's own foreign key holds KEY SHARE on this row, which
    # a plain FOR UPDATE would wait on, deadlocking two check-ins.
    db.session.execute(db.select(Patient.id).where(Patient.id == patient.id).with_for_update(key_share=True))
    existing = db.session.scalar(
        db.select(Alert)
        .where(Alert.patient_id == patient.id, Alert.status != AlertStatus.RESOLVED)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(1)
        # Read it again now that we hold the lock: the session may have loaded it earlier
        # (the previous check-in's alert), and a stale count would lose updates.
        .execution_options(populate_existing=True)
    )
    if existing is not None:
        return _attach(existing, checkin)
    alert = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        checkin_id=checkin.id,
        latest_checkin_id=checkin.id,
        severity=checkin.outcome,
        reasons=list(checkin.reasons),
    )
    db.session.add(alert)
    db.session.flush()
    db.session.add(AlertCheckIn(checkin_id=checkin.id, alert_id=alert.id))
    if alert.severity in PUSHED:
        queue_staff_push(alert)
        queue_webhook(alert, "alert.created")
    return alert


def _attach(alert: Alert, checkin: CheckIn) -> Alert:
    now = utcnow()
    alert.checkin_count += 1
    alert.latest_checkin_id = checkin.id
    alert.updated_at = now
    alert.reasons = sorted(set(alert.reasons) | set(checkin.reasons))
    db.session.add(AlertCheckIn(checkin_id=checkin.id, alert_id=alert.id))
    if Severity(checkin.outcome).rank > Severity(alert.severity).rank:
        alert.severity = checkin.outcome
        alert.status, alert.acknowledged_at = AlertStatus.OPEN, None  # worse than what staff acknowledged
        db.session.flush()
        if alert.severity in PUSHED:
            queue_staff_push(alert)
            queue_webhook(alert, "alert.escalated")
    elif checkin.outcome == Severity.URGENT and alert.severity == Severity.URGENT:
        last = db.session.scalar(
            db.select(db.func.max(r.Reminder.created_at)).where(
                r.Reminder.alert_id == alert.id, r.Reminder.channel == r.STAFF_PUSH
            )
        )
        delay = timedelta(minutes=float(current_app.config.get("URGENT_RESEND_MINUTES", 15)))
        if last is None or now - last >= delay:
            queue_staff_push(alert)
    db.session.flush()
    return alert


def _queue(
    alert: Alert,
    *,
    channel: str,
    kind: str,
    title: str,
    body: str,
    priority: str,
    payload: dict[str, Any],
    lifetime: timedelta,
) -> None:
    """An outbox row for this alert, due now (clinic staff have no quiet hours)."""
    now = utcnow()
    reminders.add_reminders(
        [NewReminder(kind, title, body, due_at=now, expires_at=now + lifetime, priority=priority)],
        channel=channel,
        clinic_id=alert.clinic_id,
        patient_id=alert.patient_id,
        alert_id=alert.id,
        payload=payload,
    )


def queue_staff_push(alert: Alert) -> None:
    """Staff read it in the patient's language: the one the clinic speaks with that patient."""
    urgent = alert.severity == Severity.URGENT
    locale = db.session.scalar(db.select(Patient.locale).where(Patient.id == alert.patient_id))
    _queue(
        alert,
        channel=r.STAFF_PUSH,
        kind="alert_urgent" if urgent else "alert",
        title=translate(N_("Urgent patient check-in") if urgent else N_("Patient check-in needs review"), locale),
        body=translate(
            N_("Patient #%(patient_id)s: %(reasons)s"),
            locale,
            patient_id=alert.patient_id,
            reasons=", ".join(alert.reasons) or alert.severity,
        ),
        priority=PUSHED[Severity(alert.severity)],
        payload={"alert_id": alert.id, "severity": alert.severity},
        lifetime=_STAFF_PUSH_LIFETIME,
    )


def queue_webhook(alert: Alert, event: str) -> None:
    clinic = db.session.get(Clinic, alert.clinic_id)
    if clinic is None or not clinic.webhook_url:
        return
    created = alert.created_at or utcnow()
    event_body = {
        "id": alert.id,
        "patient_id": alert.patient_id,
        "checkin_id": alert.checkin_id,
        "severity": alert.severity,
        "reasons": list(alert.reasons),
        "created_at": created.isoformat(),
    }
    _queue(
        alert,
        channel=r.WEBHOOK,
        kind=event,
        title=event,
        body="",
        priority="high" if alert.severity == Severity.URGENT else "normal",
        # The event's id is fixed when it is queued (a retry repeats it, for receivers that de-duplicate)
        # and random: a row id would repeat after an erasure or on another installation.
        payload={"id": f"evt_{uuid.uuid4().hex}", "event": event, "alert": event_body},
        lifetime=_WEBHOOK_LIFETIME,
    )


@unit_of_work
def resend_unacknowledged_urgent(resend_after: timedelta, max_resends: int = 3) -> int:
    """Urgent alerts nobody acknowledged are pushed to staff again; returns how many."""
    now = utcnow()
    alerts = db.session.scalars(
        db.select(Alert).where(
            Alert.severity == Severity.URGENT,
            Alert.status == AlertStatus.OPEN,
            Alert.resend_count < max_resends,
        )
    ).all()
    last_push = (
        dict(
            db.session.execute(
                db.select(r.Reminder.alert_id, db.func.max(r.Reminder.created_at))
                .where(r.Reminder.alert_id.in_([a.id for a in alerts]), r.Reminder.channel == r.STAFF_PUSH)
                .group_by(r.Reminder.alert_id)
            ).all()
        )
        if alerts
        else {}
    )
    count = 0
    for alert in alerts:
        if now - last_push.get(alert.id, alert.created_at) >= resend_after:
            alert.resend_count += 1
            queue_staff_push(alert)
            count += 1
    return count


def connect_signals() -> None:
    checkin_triaged.connect(raise_alert)
