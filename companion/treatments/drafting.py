"""What the session timeline and the course planner share: drafts, their texts, quiet hours.

Pure (no database, no Flask, no clock). Both planners read the same protocol values into
their texts, place wall-clock rules in the patient's zone, and keep reminders out of quiet
hours the same way; a follow-up check-in prompt is placed here too, so quiet hours are
applied to a new reminder in one place only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.localtime import QuietHours, parse_hhmm, wall_to_utc
from companion.protocols.definition import localize
from companion.treatments.facts import PatientPrefs, PlannedReminder

# How far before quiet hours a displaced reminder may go, nearest first.
_BEFORE_QUIET = (timedelta(minutes=15), timedelta(minutes=5), timedelta(minutes=1))
# A short-lived reminder delivered late must not wake anyone: it expires when quiet hours begin.
_SHORT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Draft:
    """A reminder before quiet hours are applied; `floor` is the earliest it may be due."""

    plan_key: str
    kind: str
    due: datetime
    expires: datetime
    floor: datetime
    message: Mapping[str, Any]
    priority: str = "normal"
    values: Mapping[str, Any] | None = None  # placeholders specific to this reminder
    must_see: bool = False


def number(value: float) -> int | float:
    """24.0 → 24 and 1.25 → 1.2 in texts and keys."""
    return int(value) if float(value).is_integer() else round(value, 1)


def session_values(session_number: int, planned_sessions: int) -> dict[str, int]:
    """The placeholders a text about one session of a series may use."""
    return {"session_number": session_number, "planned_sessions": planned_sessions, "next_session": session_number + 1}


class PlanBase:
    """A protocol's texts in the patient's language, and wall-clock times in the patient's zone."""

    def __init__(self, content: Mapping[str, Any], prefs: PatientPrefs) -> None:
        self.content = content
        self.locale = prefs.locale
        self.zone = ZoneInfo(prefs.timezone)
        self.quiet = quiet_hours(prefs)
        series, maintenance = content["series"], content["maintenance"]
        self.values: dict[str, Any] = {
            "weeks_min": series["spacing_weeks_min"],
            "weeks_max": series["spacing_weeks_max"],
            "due_months": maintenance["due_months"],
            "until_months": maintenance["until_months"],
            "spf": content["restrictions"]["sun"]["spf"],
        }

    def text(self, message: Mapping[str, str], **extra: Any) -> str:
        return localize(message, self.locale).format_map({**self.values, **extra})

    def category(self, kind: str) -> str:
        """The protocol's category for a kind of reminder (every kind has one: file_schema.py)."""
        category: str = self.content["categories"][kind]
        return category

    def at(self, day: date, clock: str) -> datetime:
        return wall_to_utc(day, parse_hhmm(clock), self.zone)


def quiet_hours(prefs: PatientPrefs) -> QuietHours:
    return QuietHours(ZoneInfo(prefs.timezone), prefs.quiet_start, prefs.quiet_end)


class Placer:
    """Keeps reminders out of quiet hours; one for every reminder planned for a patient."""

    def __init__(self, quiet: QuietHours, floor: datetime) -> None:
        self.quiet = quiet
        self.floor = floor

    def place(self, draft: Draft, text: Callable[..., str], category: str | None = None) -> PlannedReminder | None:
        due = self.settle(draft)
        if due is None:
            return None
        expires = draft.expires
        if expires - draft.due <= _SHORT_WINDOW:
            quiet_from = self.quiet.next_start(due)
            if quiet_from is not None and due < quiet_from < expires:
                expires = quiet_from
        extra = draft.values or {}
        return PlannedReminder(
            plan_key=draft.plan_key,
            kind=draft.kind,
            due_at=due,
            expires_at=expires,
            title=text(draft.message["title"], **extra),
            body=text(draft.message["body"], **extra),
            priority=draft.priority,
            category=category,
            must_see=draft.must_see,
        )

    def settle(self, draft: Draft) -> datetime | None:
        """Keep a reminder out of quiet hours: later if still useful, else just before them."""
        floor = max(draft.floor, self.floor)
        due = max(draft.due, floor)
        if due >= draft.expires:
            return None
        if not self.quiet.contains(due):
            return due
        after = self.quiet.period_end(due)
        if after is not None and after < draft.expires:
            return after
        start = self.quiet.period_start(due)
        if start is None:
            return None
        for margin in _BEFORE_QUIET:
            candidate = start - margin
            if floor <= candidate < draft.expires and not self.quiet.contains(candidate):
                return candidate
        return None
