"""Shared builders for the protocol and timeline tests (all pure: no app, no database)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from companion.config import PROJECT_ROOT
from companion.protocols.definition import Protocol
from companion.protocols.registry import ProtocolRegistry, load_directory
from companion.treatments.facts import PatientPrefs, TreatmentFacts

SCHEDULES = PROJECT_ROOT / "schedules"
REGISTRY: ProtocolRegistry = load_directory(SCHEDULES)
KEYS = ("microneedling-body", "microneedling-face", "microneedling-face-prp")


def protocol(key: str = "microneedling-face") -> Protocol:
    found = REGISTRY.get(key)
    assert found is not None
    return found


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def facts(performed_at: datetime, **changes: object) -> TreatmentFacts:
    values: dict[str, object] = {"needle_depth_mm": 1.0, "area": "face", "session_number": 1, "planned_sessions": 1}
    values.update(changes)
    return TreatmentFacts(performed_at=performed_at, **values)  # type: ignore[arg-type]


def prefs(zone: str = "America/New_York", locale: str = "en", quiet: tuple[time, time] | None = None) -> PatientPrefs:
    if quiet is None:
        return PatientPrefs(timezone=zone, locale=locale)
    return PatientPrefs(timezone=zone, locale=locale, quiet_start=quiet[0], quiet_end=quiet[1])
