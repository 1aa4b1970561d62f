"""The stored course state (CourseState): written by the course's own re-plan, in the same
transaction as the change to a session or a booking, and rebuilt in bulk where rows arrived
without it (the migration that added it, a clinic changing a protocol's timing, a bulk load).

Both paths derive the row with `timing.bounds` from the same three facts: the latest active
session, whether a visit is booked after it, and the clinic's effective protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select

from companion.core.clock import utcnow
from companion.core.db import insert_rows
from companion.courses import timing
from companion.courses.models import BOOKED, Appointment, CourseState
from companion.extensions import db
from companion.protocols.models import ProtocolOverride
from companion.protocols.registry import get_registry
from companion.protocols.validation import ProtocolOverrideError, apply_overrides
from companion.treatments.models import Treatment, TreatmentStatus

_BATCH = 5000


def _values(latest: Any, booked: bool, window: timing.Window | None) -> dict[str, Any]:
    found = timing.bounds(window, latest.performed_at, latest.session_number, latest.planned_sessions, booked)
    return {
        "treatment_id": latest.id,
        "protocol_key": latest.protocol_key,
        "last_session_at": latest.performed_at,
        "session_number": latest.session_number,
        "planned_sessions": latest.planned_sessions,
        "rebooking_from": found.rebooking_from,
        "rebooking_until": found.rebooking_until,
        "maintenance_from": found.maintenance_from,
        "maintenance_until": found.maintenance_until,
    }


def record(
    patient_id: int, clinic_id: int, latest: Any | None, booked: list[datetime], content: Mapping[str, Any]
) -> None:
    """The patient's row after a re-plan: `latest` is the latest active session (None: the row
    goes), `booked` the start of every booked visit, `content` the latest session's protocol."""
    row = db.session.get(CourseState, patient_id)
    if latest is None:
        if row is not None:
            db.session.delete(row)
        return
    after = any(starts_at > latest.performed_at for starts_at in booked)
    values = _values(latest, after, timing.Window.of(latest.protocol_key, content))
    if row is None:
        db.session.add(CourseState(patient_id=patient_id, clinic_id=clinic_id, **values))
        return
    for name, value in values.items():
        setattr(row, name, value)


def _windows(connection: Connection, clinic_ids: set[int]) -> dict[tuple[int, str], timing.Window]:
    """Each clinic's timing per protocol, its own overrides applied (as effective_protocols)."""
    overrides: dict[tuple[int, str], Any] = {}
    if clinic_ids:
        query = select(ProtocolOverride.clinic_id, ProtocolOverride.protocol_key, ProtocolOverride.values)
        for clinic_id, key, values in connection.execute(query.where(ProtocolOverride.clinic_id.in_(clinic_ids))):
            overrides[(clinic_id, key)] = values
    windows = {}
    for clinic_id in clinic_ids:
        for protocol in get_registry().all():
            values = overrides.get((clinic_id, protocol.key))
            try:
                effective = apply_overrides(protocol, values) if values is not None else protocol
            except ProtocolOverrideError:
                effective = protocol
            windows[(clinic_id, protocol.key)] = timing.Window.of(protocol.key, effective.content)
    return windows


def rebuild(connection: Connection, clinic_id: int | None = None, protocol_key: str | None = None) -> int:
    """Every course's row from its sessions and bookings (a clinic's, a protocol's), in batches;
    returns how many rows it wrote."""
    ranked = select(
        Treatment.id,
        Treatment.clinic_id,
        Treatment.patient_id,
        Treatment.protocol_key,
        Treatment.performed_at,
        Treatment.session_number,
        Treatment.planned_sessions,
        func.row_number()
        .over(partition_by=Treatment.patient_id, order_by=(Treatment.performed_at.desc(), Treatment.id.desc()))
        .label("place"),
    ).where(Treatment.status == TreatmentStatus.ACTIVE)
    if clinic_id is not None:
        ranked = ranked.where(Treatment.clinic_id == clinic_id)
    latest = ranked.subquery()
    booked = exists().where(
        Appointment.patient_id == latest.c.patient_id,
        Appointment.status == BOOKED,
        Appointment.starts_at > latest.c.performed_at,
    )
    query = select(latest, booked.label("booked")).where(latest.c.place == 1)
    if protocol_key is not None:
        query = query.where(latest.c.protocol_key == protocol_key)
    rows = connection.execute(query).all()
    gone = delete(CourseState)
    if clinic_id is not None:
        gone = gone.where(CourseState.clinic_id == clinic_id)
    if protocol_key is not None:
        gone = gone.where(CourseState.protocol_key == protocol_key)
    connection.execute(gone)
    windows = _windows(connection, {row.clinic_id for row in rows})
    now = utcnow()
    table = CourseState.__table__
    for start in range(0, len(rows), _BATCH):
        batch = [
            {
                "patient_id": row.patient_id,
                "clinic_id": row.clinic_id,
                **_values(row, bool(row.booked), windows.get((row.clinic_id, row.protocol_key))),
                "updated_at": now,
            }
            for row in rows[start : start + _BATCH]
        ]
        insert_rows(connection, table, batch)
    return len(rows)


def on_overrides_changed(clinic: Any, key: str) -> None:
    """New course timing at a clinic: its courses of that protocol move their stored windows."""
    rebuild(db.session.connection(), clinic.id, key)
