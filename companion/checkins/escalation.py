"""Off-course check-ins become clinic alerts, delivered through the same outbox.

Staff pushes ignore the patient's quiet hours: they go out at once.
"""
from __future__ import annotations

from datetime import timedelta

from companion.checkins.models import Alert, CheckIn
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders import models as r

# Outcomes that reach the clinic's phones; self_care is listed for the clinic but not pushed.
PUSHED = {"contact_clinic": "normal", "urgent": "high"}
ALERTED = ("self_care", "contact_clinic", "urgent")
_STAFF_PUSH_LIFETIME = timedelta(hours=24)
_WEBHOOK_LIFETIME = timedelta(hours=48)


def raise_alert(checkin: CheckIn, patient: Patient) -> Alert | None:
    if checkin.outcome not in ALERTED:
        return None
    alert = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        checkin_id=checkin.id,
        severity=checkin.outcome,
        reasons=list(checkin.reasons),
    )
    db.session.add(alert)
    db.session.flush()
    if alert.severity in PUSHED:
        queue_staff_push(alert)
        queue_webhook(alert, "alert.created")
    return alert


def _queue(alert: Alert, *, channel: str, kind: str, title: str, body: str, priority: str,
           payload: dict, lifetime: timedelta) -> None:
    """An outbox row for this alert, due now (clinic staff have no quiet hours)."""
    now = utcnow()
    db.session.add(
        r.Reminder(
            channel=channel, clinic_id=alert.clinic_id, patient_id=alert.patient_id, alert_id=alert.id,
            kind=kind, title=title, body=body, priority=priority, payload=payload,
            due_at=now, expires_at=now + lifetime, available_at=now,
        )
    )


def queue_staff_push(alert: Alert) -> None:
    urgent = alert.severity == "urgent"
    _queue(
        alert,
        channel=r.STAFF_PUSH,
        kind="alert_urgent" if urgent else "alert",
        title="Urgent patient check-in" if urgent else "Patient check-in needs review",
        body=f"Patient #{alert.patient_id}: {', '.join(alert.reasons) or alert.severity}",
        priority=PUSHED[alert.severity],
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
        priority="high" if alert.severity == "urgent" else "normal",
        payload={"event": event, "alert": event_body},
        lifetime=_WEBHOOK_LIFETIME,
    )


def resend_unacknowledged_urgent(resend_after: timedelta, max_resends: int = 3) -> int:
    """Urgent alerts nobody acknowledged are pushed to staff again; returns how many."""
    now = utcnow()
    alerts = db.session.scalars(
        db.select(Alert).where(
            Alert.severity == "urgent",
            Alert.status == "open",
            Alert.resend_count < max_resends,
        )
    ).all()
    last_push = dict(db.session.execute(
        db.select(r.Reminder.alert_id, db.func.max(r.Reminder.created_at))
        .where(r.Reminder.alert_id.in_([a.id for a in alerts]), r.Reminder.channel == r.STAFF_PUSH)
        .group_by(r.Reminder.alert_id)
    ).all()) if alerts else {}
    count = 0
    for alert in alerts:
        if now - last_push.get(alert.id, alert.created_at) >= resend_after:
            alert.resend_count += 1
            queue_staff_push(alert)
            count += 1
    db.session.commit()
    return count
