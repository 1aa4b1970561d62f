"""The timeline engine: protocol + treatment facts + patient preferences -> plan.

Pure on purpose (no database, no Flask, no clock) so every rule can be tested
exhaustively; the same inputs always give the same plan and the same plan_keys,
which is what lets a re-plan update pending reminders in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from companion.core.localtime import QuietHours, local_date, parse_hhmm, wall_to_utc
from companion.protocols.definition import Protocol, localize
from companion.treatments.facts import (
    ExpectedCourse,
    PatientPrefs,
    PlannedReminder,
    PlannedRestriction,
    TimelinePlan,
    TreatmentFacts,
)

MIN_DEPTH_MM, MAX_DEPTH_MM = 0.25, 3.0
# How far before quiet hours a displaced reminder may go, nearest first.
_BEFORE_QUIET = (timedelta(minutes=15), timedelta(minutes=5), timedelta(minutes=1))
# A short-lived reminder delivered late must not wake anyone: it expires when quiet hours begin.
_SHORT_WINDOW = timedelta(hours=24)


class InvalidFacts(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(f"invalid treatment facts: {fields}")
        self.fields = fields


def validate_facts(protocol: Protocol, facts: TreatmentFacts) -> dict[str, list[str]]:
    """Field errors, marshmallow-style, so the API can return them as they are."""
    errors: dict[str, list[str]] = {}
    treatment = protocol.content["treatment"]
    if facts.performed_at.tzinfo is None or facts.performed_at.utcoffset() is None:
        errors["performed_at"] = ["Must include a UTC offset."]
    low = max(MIN_DEPTH_MM, treatment["min_depth_mm"])
    high = min(MAX_DEPTH_MM, treatment["max_depth_mm"])
    if not low <= facts.needle_depth_mm <= high:
        errors["needle_depth_mm"] = [
            f"Must be between {low} and {high} mm: the documented range of {protocol.key} ({facts.area})."
        ]
    if facts.area not in treatment["areas"]:
        errors["area"] = [f"Must be one of: {', '.join(treatment['areas'])}."]
    unknown = [item for item in facts.combined_with if item not in treatment["combined_with"]]
    if unknown:
        allowed = ", ".join(treatment["combined_with"]) or "nothing"
        errors["combined_with"] = [f"Unknown for this protocol: {', '.join(unknown)} (allowed: {allowed})."]
    maximum = treatment["max_planned_sessions"]
    if not 1 <= facts.planned_sessions <= maximum:
        errors["planned_sessions"] = [f"Must be between 1 and {maximum}."]
    elif not 1 <= facts.session_number <= facts.planned_sessions:
        errors["session_number"] = ["Must be between 1 and planned_sessions."]
    return errors


def expected_course(protocol: Protocol, facts: TreatmentFacts) -> ExpectedCourse:
    """Deeper needles and add-ons such as PRP mean longer redness and swelling."""
    course = protocol.content["expected_course"]
    rows = course["depth_table"]
    row = next((r for r in rows if facts.needle_depth_mm <= r["up_to_mm"]), rows[-1])
    extra = course["extra_hours"] + sum(
        course["combined_extra_hours"].get(item, 0.0) for item in set(facts.combined_with)
    )
    return ExpectedCourse(
        redness_hours=float(row["redness_hours"] + extra),
        swelling_hours=float(row["swelling_hours"] + extra),
        other_hours={name: float(hours) for name, hours in course["other_hours"].items()},
    )


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


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


class _Planner:
    def __init__(self, protocol: Protocol, facts: TreatmentFacts, prefs: PatientPrefs):
        self.content = protocol.content
        self.facts = facts
        self.locale = prefs.locale
        self.zone = ZoneInfo(prefs.timezone)
        self.quiet = QuietHours(self.zone, prefs.quiet_start, prefs.quiet_end)
        self.performed = facts.performed_at.astimezone(UTC)
        self.day0 = local_date(self.performed, self.zone)
        series, maintenance = self.content["series"], self.content["maintenance"]
        self.values: dict[str, Any] = {
            "session_number": facts.session_number,
            "planned_sessions": facts.planned_sessions,
            "next_session": facts.session_number + 1,
            "weeks_min": series["spacing_weeks_min"],
            "weeks_max": series["spacing_weeks_max"],
            "due_months": maintenance["due_months"],
            "until_months": maintenance["until_months"],
            "spf": self.content["restrictions"]["sun"]["spf"],
        }

    def text(self, message: Mapping[str, str], **extra: Any) -> str:
        return localize(message, self.locale).format_map({**self.values, **extra})

    def at(self, day: date, clock: str) -> datetime:
        return wall_to_utc(day, parse_hhmm(clock), self.zone)

    def restrictions(self) -> list[PlannedRestriction]:
        return [
            PlannedRestriction(
                kind=kind,
                starts_at=self.performed,
                ends_at=self.performed + timedelta(hours=rule["hours"]),
                title=self.text(rule["title"], **self._window(rule)),
                detail=self.text(rule["detail"], **self._window(rule)),
            )
            for kind, rule in self.content["restrictions"].items()
        ]

    @staticmethod
    def _window(rule: Mapping[str, Any]) -> dict[str, Any]:
        return {"hours": _number(rule["hours"]), "days": _number(rule["hours"] / 24)}

    def drafts(self) -> Iterator[Draft]:
        yield from self._restriction_drafts()
        yield from self._hydration()
        yield from self._checkins()

    def _restriction_drafts(self) -> Iterator[Draft]:
        for kind, rule in self.content["restrictions"].items():
            ends = self.performed + timedelta(hours=rule["hours"])
            ended = rule["ended"]
            # "You can wear makeup again" must never arrive before it is true.
            yield Draft(
                f"restriction:{kind}:ended",
                "restriction_ended",
                ends,
                ends + timedelta(hours=ended["expires_after_hours"]),
                ends,
                ended,
                values=self._window(rule),
            )
            daily = rule.get("daily_reminder")
            if not daily:
                continue
            for offset in range((ends.astimezone(self.zone).date() - self.day0).days + 1):
                due = self.at(self.day0 + timedelta(days=offset), daily["at"])
                if self.performed <= due < ends:
                    expires = min(due + timedelta(hours=daily["expires_after_hours"]), ends)
                    yield Draft(
                        f"restriction:{kind}:d{offset}",
                        daily["kind"],
                        due,
                        expires,
                        self.performed,
                        daily,
                        daily["priority"],
                        self._window(rule),
                    )

    def _hydration(self) -> Iterator[Draft]:
        rule = self.content["hydration"]
        until = self.performed + timedelta(hours=rule["for_hours"])
        for offset in range((until.astimezone(self.zone).date() - self.day0).days + 1):
            for slot in rule["slots"]:
                due = self.at(self.day0 + timedelta(days=offset), slot["at"])
                if self.performed <= due < until:
                    yield Draft(
                        f"hydrate:d{offset}:{slot['name']}",
                        "hydration",
                        due,
                        due + timedelta(hours=rule["expires_after_hours"]),
                        self.performed,
                        rule,
                    )

    def _checkins(self) -> Iterator[Draft]:
        rule = self.content["checkins"]
        for prompt in rule["prompts"]:
            due = self.performed + timedelta(hours=prompt["after_hours"])
            yield Draft(
                f"checkin:{_number(prompt['after_hours'])}h",
                "checkin_prompt",
                due,
                due + timedelta(hours=prompt["expires_after_hours"]),
                self.performed,
                rule,
                prompt["priority"],
            )

    def place(self, draft: Draft) -> PlannedReminder | None:
        return Placer(self.quiet, self.performed).place(draft, self.text)


class Placer:
    """Keeps reminders out of quiet hours; shared by the session timeline and the course planner."""

    def __init__(self, quiet: QuietHours, floor: datetime) -> None:
        self.quiet = quiet
        self.floor = floor

    def place(self, draft: Draft, text: Callable[..., str]) -> PlannedReminder | None:
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


def plan_timeline(protocol: Protocol, facts: TreatmentFacts, prefs: PatientPrefs) -> TimelinePlan:
    """Restriction windows and reminders for one treatment; raises InvalidFacts on bad facts."""
    errors = validate_facts(protocol, facts)
    if errors:
        raise InvalidFacts(errors)
    planner = _Planner(protocol, facts, prefs)
    reminders = [placed for draft in planner.drafts() if (placed := planner.place(draft)) is not None]
    reminders.sort(key=lambda reminder: (reminder.due_at, reminder.plan_key))
    return TimelinePlan(
        restrictions=tuple(planner.restrictions()),
        reminders=tuple(reminders),
        expected_course=expected_course(protocol, facts),
    )
