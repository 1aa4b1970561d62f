"""What needs a person at the clinic, gathered from real data, most urgent first.

Each reason is one query over the clinic's own rows (worklist/queries.py); the database
unions, counts, orders and pages them, and labels are made for the page alone. No item
is stored, so nothing needs closing twice (resolve the alert, book the visit, record the
session, and the item goes away by itself); the course reasons read the course state its
own services keep (courses/course_state.py), instants compared with now here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select, union_all

from companion.alerts.models import Alert
from companion.audit import service as audit
from companion.clinics.models import Clinic
from companion.core.clock import utcnow
from companion.core.pagination import Page
from companion.courses.timing import Window
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


class WorklistPage(Page):
    """A page, and how many items each reason counted has (for the console's filter)."""

    by_reason: dict[str, int]


def worklist(clinic: Clinic, reason: str | None, limit: int, offset: int) -> WorklistPage:
    """One page of `{items, total, limit, offset}`: urgent and contact-the-clinic alerts
    (unacknowledged first, newest first), the other reasons oldest first, self-care alerts last.

    Two statements whatever the clinic's size: every segment's count at once, then the page's
    rows from only the segments it covers, each read in its own order with its own LIMIT.
    """
    now = utcnow()
    windows = [Window.of(p.key, p.content) for p in effective_protocols(clinic.id)]
    named = _segments(reason, clinic.id, now)
    segments = [segment for _, segment in named]
    counts = db.session.execute(
        select(*(select(func.count()).select_from(s.subquery()).scalar_subquery() for s in segments))
    ).one()
    parts: list[tuple[int, Select[Any], int, int]] = []  # segment number, query, skip, take
    skip, room = offset, limit
    for index, (segment, count) in enumerate(zip(segments, counts, strict=True)):
        if room == 0:
            break
        if skip >= count:
            skip -= count
            continue
        take = min(count - skip, room)
        parts.append((index, segment, skip, take))
        skip, room = 0, room - take
    rows = _page(parts)
    items = _items(rows, {w.key: w for w in windows}, now)
    audit.record_list([item["patient_id"] for item in items])  # names and notes of the patients shown
    by_reason: dict[str, int] = {}
    for (name, _), count in zip(named, counts, strict=True):
        by_reason[name] = by_reason.get(name, 0) + count
    return WorklistPage(items=items, total=sum(counts), limit=limit, offset=offset, by_reason=by_reason)


def _order(columns: Any) -> list[Any]:
    newest_alert_first = case((columns.reason == "open_alert", columns.since)).desc()
    return [columns.rank, columns.acked, newest_alert_first, columns.since, columns.patient_id, columns.ref_id]


def _page(parts: list[tuple[int, Select[Any], int, int]]) -> Sequence[Any]:
    """The rows of the segments a page covers, each segment read in its order from `skip`."""
    if not parts:
        return []
    pages = []
    for index, segment, skip, take in parts:
        rows = segment.subquery()
        chosen = select(rows).order_by(*_order(rows.c)).limit(take).offset(skip)
        picked = chosen.subquery()
        pages.append(select(literal(index).label("segment"), *picked.c))
    page = (union_all(*pages) if len(pages) > 1 else pages[0]).subquery("page")
    return db.session.execute(select(page).order_by(page.c.segment, *_order(page.c))).all()


def _segments(reason: str | None, clinic_id: int, now: datetime) -> list[tuple[str, Select[Any]]]:
    """The list's parts in its order, each with its reason (a part orders its own rows)."""
    finders: dict[str, Callable[[], Select[Any]]] = {
        "missed_checkin": lambda: q.missed_checkins(clinic_id, now),
        "appointment_unrecorded": lambda: q.appointments_unrecorded(clinic_id, now),
        "undeliverable": lambda: q.undeliverable(clinic_id, now),
        "unreachable": lambda: q.unreachable(clinic_id, now),
        "not_signed_in": lambda: q.not_signed_in(clinic_id, now),
        "rebooking_due": lambda: q.rebooking_due(clinic_id, now),
        "maintenance_due": lambda: q.maintenance_due(clinic_id, now),
    }
    wanted = [reason] if reason else list(REASONS)
    alerts = "open_alert" in wanted
    segments = [("open_alert", q.open_alerts(clinic_id, now, leading=True))] if alerts else []
    segments += [(name, finders[name]()) for name in wanted if name != "open_alert"]
    if alerts:
        segments.append(("open_alert", q.open_alerts(clinic_id, now, leading=False)))
    return segments


def _items(rows: Sequence[Any], windows: dict[str, Window], now: datetime) -> list[dict[str, Any]]:
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


def _label(row: Any, alert: Any, window: Window | None, now: datetime) -> str:
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
    if row.reason == "unreachable":
        return f"{row.n} reminders due and no phone, app or e-mail to reach"
    if row.reason == "not_signed_in":
        return "enrolled but never signed in to the app"
    if row.reason == "rebooking_due":
        if window is not None and row.since + window.series_closes <= now:
            return f"series window closed after session {row.n}, nothing booked"
        return "next session of the series not booked"
    return "maintenance session not booked"
