"""What a triage rule says: the severity ladder, the kinds of rule and when a rule applies.

The rows themselves are TRIAGE_RULES in triage_table.py; the engine (triage.py) only
interprets them: every matching row fires, the most severe outcome among them wins, and
all fired ids are reported.

Time words used in the conditions:
  "first day"        hours since treatment <= 24
  "after first day"  hours since treatment > 24
  "inside window"    the protocol gives an expected window for that symptom and
                     hours since treatment <= that window (redness and swelling
                     always have one: ExpectedCourse.redness_hours/swelling_hours;
                     other symptoms only when listed in ExpectedCourse.other_hours)
  "outside window"   no such window, or hours since treatment > it
A check-in with no treatment on record (hours unknown) counts as outside
every window, after the first day and past 48 h: nothing the patient reports
can be explained by a recent treatment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """A check-in's outcome, least to most severe: the one ladder that triage, alerts and the
    worklist rank by. Compare by `rank` (a StrEnum's own `<` compares the words)."""

    EXPECTED = "expected"
    SELF_CARE = "self_care"
    CONTACT_CLINIC = "contact_clinic"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for expected up to 3 for urgent."""
        return _LADDER.index(self)


_LADDER: tuple[Severity, ...] = tuple(Severity)
#: Ordered from least to most severe.
OUTCOMES: tuple[Severity, ...] = _LADDER

FIRST_DAY_HOURS = 24.0
TREND_AFTER_HOURS = 48.0
TREND_SYMPTOMS: tuple[str, ...] = ("redness", "swelling", "pain")
TREND_SUM_RISE = 2

# Rule kinds and timings understood by the engine.
RED_FLAG, RATING, TREND, ALL_CLEAR = "red_flag", "rating", "trend", "all_clear"
ANY, FIRST_DAY, AFTER_FIRST_DAY = "any", "first_day", "after_first_day"
INSIDE_WINDOW, OUTSIDE_WINDOW = "inside_window", "outside_window"


@dataclass(frozen=True)
class Rule:
    """One row of TRIAGE_RULES: when it matches, and the outcome and advice it gives."""

    id: str
    condition: str  # plain words for clinicians; must agree with the fields below
    outcome: Severity
    advice: str  # key into advice.py
    kind: str
    subject: str | None = None  # red flag or symptom key
    ratings: tuple[int, int] = (1, 3)  # inclusive rating range, RATING rules only
    timing: str = ANY
