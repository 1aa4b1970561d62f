"""What needs a person at the clinic, gathered from real data, most urgent first.

Each reason is one query over the clinic's own rows (worklist/queries.py); the database
unions, counts, orders and pages them, and labels are made for the page alone. Nothing
is stored, so the list is never stale and nothing needs closing twice (resolve the alert,
book the visit, record the session, and the item goes away by itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, union_all

from companion.alerts.models import Alert
from companion.audit import service as audit
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.extensions import db
from companion.patients.models import Patient
from companion.protocols.service import effective_protocols
from companion.worklist import queries as q

REASONS = tuple(q.RANKS)
_REFS = {
    "open_alert": "alert_id",
    "missed_checkin": "reminder_id",
    "appointment_unrecorded": "appointment_id",
    "rebooking_due": "treatment_id",
    "maintenance_due": "treatment_id",
}


def worklist(clinic: Clinic, reason: str | None, limit: int, offset: int) -> dict[str, Any]:
    """One page of `{items, total, limit, offset}`: alerts by severity (unacknowledged first,
    newest first), then the other reasons oldest first."""
    now = utcnow()
    windows = [q.Window.of(p) for p in effective_protocols(clinic.id)]
    selects = [_select(name, clinic.id, now, windows) for name in ([reason] if reason else REASONS)]
    union = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery("worklist")
    total = db.session.scalar(db.select(func.count()).select_from(union)) or 0
    newest_alert_first = case((union.c.reason == "open_alert", union.c.since)).desc()
    rows = db.session.execute(
        db.select(union)
        .order_by(union.c.rank, union.c.acked, newest_alert_first, union.c.since, union.c.patient_id, union.c.ref_id)
        .limit(limit)
        .offset(offset)
    ).all()
    items = _items(rows, {w.key: w for w in windows}, now)
    audit.record_many([item["patient_id"] for item in items])  # names and notes of the patients shown
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _select(name: str, clinic_id: int, now: datetime, windows: list[q.Window]) -> Select[Any]:
    finders: dict[str, Callable[[int, datetime], Select[Any]]] = {
        "open_alert": q.open_alerts,
        "missed_checkin": q.missed_checkins,
        "appointment_unrecorded": q.appointments_unrecorded,
        "undeliverable": q.undeliverable,
        "not_signed_in": q.not_signed_in,
        "rebooking_due": lambda c, n: q.rebooking_due(c, n, windows),
        "maintenance_due": lambda c, n: q.maintenance_due(c, n, windows),
    }
    return finders[name](clinic_id, now)


def _items(rows: Sequence[Any], windows: dict[str, q.Window], now: datetime) -> list[dict[str, Any]]:
    """Labels and names for one page: two queries whatever the page holds."""
    names = _by_id(Patient.id, Patient.display_name, {row.patient_id for row in rows})
    alert_ids = {row.ref_id for row in rows if row.reason == "open_alert"}
    alerts = {
        row.id: row
        for row in db.session.execute(
            db.select(Alert.id, Alert.severity, Alert.reasons, Alert.checkin_count).where(Alert.id.in_(alert_ids))
        )
    }
    items = []
    for row in rows:
        key = _REFS.get(row.reason)
        items.append(
            {
                "reason": row.reason,
                "patient_id": row.patient_id,
                "patient_name": names.get(row.patient_id),
                "since": row.since,
                "label": _label(row, alerts.get(row.ref_id), windows.get(row.detail), now),
                "rank": row.rank,
                "ref": {key: row.ref_id} if key and row.ref_id is not None else {},
            }
        )
    return items


def _by_id(id_column: Any, value: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row[0]: row[1] for row in db.session.execute(db.select(id_column, value).where(id_column.in_(ids)))}


def _label(row: Any, alert: Any, window: q.Window | None, now: datetime) -> str:
    if row.reason == "open_alert" and alert is not None:
        return (
            f"{alert.severity.replace('_', ' ')}: {', '.join(alert.reasons) or 'check-in'}"
            + (f" ({alert.checkin_count} check-ins)" if alert.checkin_count > 1 else "")
            + (" · acknowledged" if row.acked else "")
        )
    if row.reason == "missed_checkin":
        return f"no answer to the {row.detail[8:]} check-in"
    if row.reason == "appointment_unrecorded":
        return f"{row.detail} visit passed without a session"
    if row.reason == "undeliverable":
        return f"{row.n} reminders found no phone"
    if row.reason == "not_signed_in":
        return "enrolled but never signed in to the app"
    if row.reason == "rebooking_due":
        if window is not None and row.since + window.series_closes <= now:
            return f"series window closed after session {row.n}, nothing booked"
        return "next session of the series not booked"
    return "maintenance session not booked"
