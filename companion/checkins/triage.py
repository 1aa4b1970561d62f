"""The triage engine: one check-in plus the expected course in, a verdict out.

Pure (no database, no clock, no Flask) so every rule can be tested
exhaustively; the decisions themselves live in triage_table.TRIAGE_RULES.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from companion.checkins.advice import compose_advice
from companion.checkins.symptoms import COURSE_ALIASES, MAX_RATING, MIN_RATING, RED_FLAGS, SYMPTOMS
from companion.checkins.triage_rules import (
    AFTER_FIRST_DAY,
    ALL_CLEAR,
    ANY,
    FIRST_DAY,
    FIRST_DAY_HOURS,
    INSIDE_WINDOW,
    OUTCOMES,
    OUTSIDE_WINDOW,
    RATING,
    RED_FLAG,
    TREND,
    TREND_AFTER_HOURS,
    TREND_SUM_RISE,
    TREND_SYMPTOMS,
    Rule,
    Severity,
)
from companion.checkins.triage_table import TRIAGE_RULES, triage_table
from companion.core.i18n import DEFAULT_LOCALE
from companion.treatments.facts import ExpectedCourse

__all__ = [
    "OUTCOMES",
    "Severity",
    "SymptomReport",
    "Verdict",
    "triage",
    "triage_table",
    "validate_report",
]


@dataclass(frozen=True)
class SymptomReport:
    ratings: Mapping[str, int] = field(default_factory=dict)  # missing symptom = 0
    red_flags: frozenset[str] = frozenset()
    hours_since_treatment: float | None = None  # None: no treatment on record

    def rating(self, symptom: str) -> int:
        return int(self.ratings.get(symptom, 0))

    def total(self) -> int:
        return sum(self.rating(s) for s in SYMPTOMS)


@dataclass(frozen=True)
class Verdict:
    outcome: Severity
    reasons: tuple[str, ...]  # ids of the rules that fired, most severe first
    advice: str  # patient-facing, in the requested locale


def validate_report(report: SymptomReport) -> None:
    """Reject what the API should already have refused, rather than guess."""
    unknown = sorted(set(report.ratings) - set(SYMPTOMS))
    if unknown:
        raise ValueError(f"unknown symptoms: {', '.join(map(str, unknown))}")
    for symptom, value in report.ratings.items():
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_RATING <= value <= MAX_RATING:
            raise ValueError(f"rating for {symptom} must be an integer {MIN_RATING}..{MAX_RATING}, got {value!r}")
    flags = set(report.red_flags)
    unknown_flags = sorted(str(f) for f in flags - set(RED_FLAGS))
    if unknown_flags:
        raise ValueError(f"unknown red flags: {', '.join(unknown_flags)}")
    hours = report.hours_since_treatment
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours) or hours < 0
    ):
        raise ValueError(f"hours_since_treatment must be a finite number >= 0 or None, got {hours!r}")


def _window(course: ExpectedCourse, symptom: str) -> float | None:
    if symptom == "redness":
        return course.redness_hours
    if symptom == "swelling":
        return course.swelling_hours
    for name in (symptom, *COURSE_ALIASES.get(symptom, ())):
        if name in course.other_hours:
            return float(course.other_hours[name])
    return None


def _timing_holds(timing: str, hours: float | None, window: float | None) -> bool:
    if timing == ANY:
        return True
    if timing == FIRST_DAY:
        return hours is not None and hours <= FIRST_DAY_HOURS
    if timing == AFTER_FIRST_DAY:
        return hours is None or hours > FIRST_DAY_HOURS
    inside = hours is not None and window is not None and hours <= window
    if timing == INSIDE_WINDOW:
        return inside
    if timing == OUTSIDE_WINDOW:
        return not inside
    raise ValueError(f"unknown rule timing {timing!r}")


def _worsening(report: SymptomReport, previous: SymptomReport | None) -> bool:
    if previous is None:
        return False
    hours = report.hours_since_treatment
    if hours is not None and hours < TREND_AFTER_HOURS:
        return False  # early ups and downs are part of the normal course
    if any(report.rating(s) > previous.rating(s) for s in TREND_SYMPTOMS):
        return True
    return report.total() - previous.total() >= TREND_SUM_RISE


def _fires(rule: Rule, report: SymptomReport, course: ExpectedCourse, previous: SymptomReport | None) -> bool:
    if rule.kind == RED_FLAG:
        return rule.subject in report.red_flags
    if rule.kind == RATING:
        symptom = rule.subject or ""
        low, high = rule.ratings
        if not low <= report.rating(symptom) <= high:
            return False
        return _timing_holds(rule.timing, report.hours_since_treatment, _window(course, symptom))
    if rule.kind == TREND:
        return _worsening(report, previous)
    if rule.kind == ALL_CLEAR:
        return not report.red_flags and report.total() == 0
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def triage(
    report: SymptomReport,
    course: ExpectedCourse,
    previous: SymptomReport | None = None,
    locale: str = DEFAULT_LOCALE,
) -> Verdict:
    """Judge one check-in against what this treatment makes expected."""
    validate_report(report)
    if previous is not None:
        validate_report(previous)
    fired = [rule for rule in TRIAGE_RULES if _fires(rule, report, course, previous)]
    fired.sort(key=lambda rule: -rule.outcome.rank)  # stable: table order within an outcome
    outcome = fired[0].outcome if fired else OUTCOMES[0]
    keys = tuple(rule.advice for rule in fired if rule.outcome == outcome)
    return Verdict(
        outcome=outcome,
        reasons=tuple(rule.id for rule in fired),
        advice=compose_advice(outcome, keys, locale),
    )
