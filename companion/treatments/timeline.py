"""The timeline engine: protocol + treatment facts + patient preferences -> plan.

Pure on purpose (no database, no Flask, no clock) so every rule can be tested
exhaustively; the same inputs always give the same plan and the same plan_keys,
which is what lets a re-plan update pending reminders in place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, timedelta
from typing import Any

from companion.core.field_messages import BETWEEN_ONE_AND, DEPTH_RANGE, UNKNOWN_COMBINED
from companion.core.localtime import local_date
from companion.protocols.definition import Protocol
from companion.treatments.drafting import Draft, Placer, PlanBase, number, session_values
from companion.treatments.facts import (
    ExpectedCourse,
    PatientPrefs,
    PlannedReminder,
    PlannedRestriction,
    TimelinePlan,
    TreatmentFacts,
)

MIN_DEPTH_MM, MAX_DEPTH_MM = 0.25, 3.0


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
        errors["needle_depth_mm"] = [DEPTH_RANGE.format(low=low, high=high, protocol=protocol.key, area=facts.area)]
    if facts.area not in treatment["areas"]:
        errors["area"] = [f"Must be one of: {', '.join(treatment['areas'])}."]
    unknown = [item for item in facts.combined_with if item not in treatment["combined_with"]]
    if unknown:
        allowed = ", ".join(treatment["combined_with"]) or "nothing"
        errors["combined_with"] = [UNKNOWN_COMBINED.format(unknown=", ".join(unknown), allowed=allowed)]
    maximum = treatment["max_planned_sessions"]
    if not 1 <= facts.planned_sessions <= maximum:
        errors["planned_sessions"] = [BETWEEN_ONE_AND.format(max=maximum)]
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


class _Planner(PlanBase):
    def __init__(self, protocol: Protocol, facts: TreatmentFacts, prefs: PatientPrefs):
        super().__init__(protocol.content, prefs)
        self.facts = facts
        self.performed = facts.performed_at.astimezone(UTC)
        self.day0 = local_date(self.performed, self.zone)
        self.values.update(session_values(facts.session_number, facts.planned_sessions))

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
        return {"hours": number(rule["hours"]), "days": number(rule["hours"] / 24)}

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
                f"checkin:{number(prompt['after_hours'])}h",
                "checkin_prompt",
                due,
                due + timedelta(hours=prompt["expires_after_hours"]),
                self.performed,
                rule,
                prompt["priority"],
                must_see=prompt["must_see"],
            )

    def place(self, draft: Draft) -> PlannedReminder | None:
        return Placer(self.quiet, self.performed).place(draft, self.text, self.category(draft.kind))


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
