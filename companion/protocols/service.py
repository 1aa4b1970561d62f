"""Protocols as a clinic sees them, with its own overrides: the provider's instructions win."""

from __future__ import annotations

from typing import Any

from blinker import Namespace

from companion.audit import service as audit
from companion.clinics.models import Clinic
from companion.core.errors import Invalid, NotFound
from companion.core.field_messages import NO_PROTOCOL
from companion.core.i18n import N_
from companion.core.pagination import Page, paginate_list
from companion.core.transaction import unit_of_work
from companion.extensions import db
from companion.protocols.definition import Protocol
from companion.protocols.models import ProtocolOverride
from companion.protocols.registry import get_registry
from companion.protocols.validation import ProtocolOverrideError, apply_overrides
from companion.protocols.values import merge_form

signals = Namespace()
# A clinic's values for a protocol changed (set or cleared): what is computed from them follows.
overrides_changed = signals.signal("protocol-overrides-changed", doc="sender: the Clinic; kwargs: key")


def _overrides(clinic_id: int) -> dict[str, ProtocolOverride]:
    rows = db.session.scalars(db.select(ProtocolOverride).where(ProtocolOverride.clinic_id == clinic_id))
    return {row.protocol_key: row for row in rows}


def effective_protocol(clinic_id: int, key: str) -> Protocol:
    """The protocol with the clinic's own values applied; an unknown key is bad input."""
    protocol = get_registry().get(key)
    if protocol is None:
        raise Invalid("Unknown protocol.", fields={"protocol": [NO_PROTOCOL.format(key=repr(key))]})
    override = _overrides(clinic_id).get(key)
    if override is None:
        return protocol
    try:
        return apply_overrides(protocol, override.values)
    except ProtocolOverrideError:  # stored overrides were valid when saved; a protocol file changed since
        return protocol


def effective_protocols(clinic_id: int) -> list[Protocol]:
    """Every protocol with the clinic's own values applied, in one query."""
    overrides = _overrides(clinic_id)
    protocols = []
    for protocol in get_registry().all():
        override = overrides.get(protocol.key)
        try:
            protocols.append(apply_overrides(protocol, override.values) if override else protocol)
        except ProtocolOverrideError:  # as in effective_protocol: a protocol file changed since
            protocols.append(protocol)
    return protocols


def list_protocols(clinic: Clinic) -> list[dict[str, Any]]:
    overridden = _overrides(clinic.id)
    return [{**p.summary(), "overridden": p.key in overridden} for p in get_registry().all()]


def protocols_page(clinic: Clinic, limit: int, offset: int) -> Page:
    return paginate_list(list_protocols(clinic), limit, offset)


def _require(key: str) -> Protocol:
    protocol = get_registry().get(key)
    if protocol is None:
        raise NotFound("No such protocol.")
    return protocol


def show_protocol(clinic: Clinic, key: str) -> dict[str, Any]:
    default = _require(key)
    override = _overrides(clinic.id).get(key)
    return {
        "key": key,
        "default": default.as_dict(),
        "overridden": override is not None,
        "overrides": override.values if override else {},
        "protocol": effective_protocol(clinic.id, key).as_dict(),
    }


@unit_of_work
def set_override(clinic: Clinic, key: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validated against the protocol schema before it is stored; applies to new treatments."""
    protocol = _require(key)
    try:
        apply_overrides(protocol, values)
    except ProtocolOverrideError as err:
        raise Invalid(N_("These overrides do not fit the protocol."), fields=err.fields) from None
    row = _overrides(clinic.id).get(key)
    if row is None:
        db.session.add(ProtocolOverride(clinic_id=clinic.id, protocol_key=key, values=values))
    else:
        row.values = values
    db.session.flush()
    overrides_changed.send(clinic, key=key)
    audit.record(None, "protocol override set", target=f"protocol={key}")
    return show_protocol(clinic, key)


@unit_of_work
def set_values(clinic: Clinic, key: str, typed: dict[str, Any]) -> dict[str, Any]:
    """The Settings form's values ({"restrictions.sun.hours": 240, ...}; None: the default)
    merged into the clinic's override, then saved as the API saves one (same checks, same
    audit entry); all values back at their defaults leaves no override."""
    default = _require(key)
    row = _overrides(clinic.id).get(key)
    applied = effective_protocol(clinic.id, key).as_dict()
    values = merge_form(default.as_dict(), row.values if row else {}, applied, typed)
    if values:
        return set_override(clinic, key, values)
    clear_override(clinic, key)
    return show_protocol(clinic, key)


@unit_of_work
def clear_override(clinic: Clinic, key: str) -> None:
    _require(key)
    row = _overrides(clinic.id).get(key)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        overrides_changed.send(clinic, key=key)
        audit.record(None, "protocol override cleared", target=f"protocol={key}")
