"""Protocols as a clinic sees them, with its own overrides."""
from __future__ import annotations

from typing import Any

from companion.clinics.models import Clinic, ProtocolOverride
from companion.core.errors import Invalid, NotFound
from companion.extensions import db
from companion.treatments.planning import effective_protocol
from companion.treatments.protocols import ProtocolOverrideError, get_registry


def _overrides(clinic: Clinic) -> dict[str, ProtocolOverride]:
    rows = db.session.scalars(db.select(ProtocolOverride).where(ProtocolOverride.clinic_id == clinic.id))
    return {row.protocol_key: row for row in rows}


def list_protocols(clinic: Clinic) -> list[dict[str, Any]]:
    overridden = _overrides(clinic)
    return [{**p.summary(), "overridden": p.key in overridden} for p in get_registry().all()]


def _require(key: str):
    protocol = get_registry().get(key)
    if protocol is None:
        raise NotFound("No such protocol.")
    return protocol


def show_protocol(clinic: Clinic, key: str) -> dict[str, Any]:
    _require(key)
    override = _overrides(clinic).get(key)
    return {
        "key": key,
        "overridden": override is not None,
        "overrides": override.values if override else {},
        "protocol": effective_protocol(clinic.id, key).as_dict(),
    }


def set_override(clinic: Clinic, key: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validated against the protocol schema before it is stored; applies to new treatments."""
    protocol = _require(key)
    try:
        protocol.with_overrides(values)
    except ProtocolOverrideError as err:
        raise Invalid("These overrides do not fit the protocol.", fields=err.fields) from None
    row = _overrides(clinic).get(key)
    if row is None:
        db.session.add(ProtocolOverride(clinic_id=clinic.id, protocol_key=key, values=values))
    else:
        row.values = values
    db.session.commit()
    return show_protocol(clinic, key)


def clear_override(clinic: Clinic, key: str) -> None:
    _require(key)
    row = _overrides(clinic).get(key)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
