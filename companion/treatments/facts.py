"""Plain values passed into and out of the timeline engine (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time


@dataclass(frozen=True)
class TreatmentFacts:
    performed_at: datetime  # aware
    needle_depth_mm: float
    area: str
    combined_with: tuple[str, ...] = ()
    session_number: int = 1
    planned_sessions: int = 1


@dataclass(frozen=True)
class PatientPrefs:
    timezone: str  # IANA name
    locale: str = "en"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


@dataclass(frozen=True)
class ExpectedCourse:
    """How long each expected symptom may last after this treatment, in hours."""

    redness_hours: float
    swelling_hours: float
    # Anything else the protocol says is expected, e.g. {"dryness_peeling": 168}.
    other_hours: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedRestriction:
    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str
    detail: str


@dataclass(frozen=True)
class PlannedReminder:
    plan_key: str  # stable within one treatment's plan, used when re-planning
    kind: str
    due_at: datetime
    expires_at: datetime
    title: str
    body: str
    priority: str = "normal"  # "high" for time-critical ones
    category: str | None = None  # the patient's switch that governs it (patients/categories.py)
    must_see: bool = False  # unopened after its push: an SMS or e-mail follows


@dataclass(frozen=True)
class TimelinePlan:
    restrictions: tuple[PlannedRestriction, ...]
    reminders: tuple[PlannedReminder, ...]
    expected_course: ExpectedCourse
