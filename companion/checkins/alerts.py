"""The clinic's work list of alerts: acknowledge, then resolve with a note."""
from __future__ import annotations

from companion.checkins import escalation
from companion.checkins.models import Alert, CheckIn
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.errors import Conflict, NotFound
from companion.extensions import db


def _decorate(alert: Alert) -> Alert:
    alert.checkin = db.session.get(CheckIn, alert.checkin_id)  # type: ignore[attr-defined]
    return alert


def list_alerts(clinic: Clinic, status: str | None) -> list[Alert]:
    query = db.select(Alert).where(Alert.clinic_id == clinic.id)
    if status:
        query = query.where(Alert.status == status)
    return [_decorate(a) for a in db.session.scalars(query.order_by(Alert.created_at.desc(), Alert.id.desc()))]


def get_alert(clinic: Clinic, alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.clinic_id != clinic.id:
        raise NotFound("No such alert.")
    return _decorate(alert)


def acknowledge(clinic: Clinic, alert_id: int) -> Alert:
    """Idempotent; stops the re-sends of an urgent alert."""
    alert = get_alert(clinic, alert_id)
    if alert.status == "open":
        alert.status = "acknowledged"
        alert.acknowledged_at = utcnow()
        escalation.queue_webhook(alert, "alert.acknowledged")
        db.session.commit()
    return alert


def resolve(clinic: Clinic, alert_id: int, note: str) -> Alert:
    alert = get_alert(clinic, alert_id)
    if alert.status == "resolved":
        raise Conflict("This alert is already resolved.")
    now = utcnow()
    alert.acknowledged_at = alert.acknowledged_at or now
    alert.status = "resolved"
    alert.resolved_at = now
    alert.resolution_note = note
    escalation.queue_webhook(alert, "alert.resolved")
    db.session.commit()
    return alert
