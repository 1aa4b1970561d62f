"""TRIAGE_RULES: the one table that decides a check-in's outcome, one rule per row.

Kept as data so a clinician can review every row without reading the engine; the words a
row uses (kinds, timings, the severity ladder) are defined in triage_rules.py.

Decisions recorded here:
  - pigment_change is contact_clinic, not urgent: new dark or light patches
    need the clinic's assessment within days, not emergency care; every other
    red flag can be infection, a burn or an allergic reaction and is urgent.
  - severe itching, breakouts or bruising are contact_clinic: they can mean
    contact allergy, infection/acne flare or a bleeding problem, which the
    clinic screens for. Severe dryness/peeling stays self_care: moisturizing
    is the treatment and it is not a danger sign.
  - severe redness or swelling in the first day is self_care (cool compress,
    check in again), not an alert: it is common after deep treatment and the
    after-first-day rule catches it if it persists.
  - mild tenderness, itching or dryness is part of normal healing: expected.
"""

from __future__ import annotations

from companion.checkins.triage_rules import (
    AFTER_FIRST_DAY,
    ALL_CLEAR,
    ANY,
    FIRST_DAY,
    INSIDE_WINDOW,
    OUTSIDE_WINDOW,
    RATING,
    RED_FLAG,
    TREND,
    Rule,
    Severity,
)


def _flag(flag: str, outcome: Severity, advice: str, condition: str) -> Rule:
    return Rule(f"flag_{flag}", condition, outcome, advice, RED_FLAG, flag)


def _rated(
    rule_id: str,
    symptom: str,
    ratings: tuple[int, int],
    timing: str,
    outcome: Severity,
    advice: str,
    condition: str,
) -> Rule:
    return Rule(rule_id, condition, outcome, advice, RATING, symptom, ratings, timing)


# One row per rule, laid out as a table (two lines a row) for review; the formatter leaves it so.
# fmt: off
TRIAGE_RULES: tuple[Rule, ...] = (
    # --- urgent ------------------------------------------------------------
    _flag("pus", Severity.URGENT, "urgent_infection", "red flag: pus or discharge"),
    _flag("fever", Severity.URGENT, "urgent_infection", "red flag: fever"),
    _flag("spreading_redness", Severity.URGENT, "urgent_infection", "red flag: spreading or hot redness"),
    _flag("blisters", Severity.URGENT, "urgent_blisters", "red flag: blisters or crusting"),
    _flag("severe_pain", Severity.URGENT, "urgent_pain", "red flag: severe or worsening pain"),
    _flag("allergic_reaction", Severity.URGENT, "urgent_allergy", "red flag: signs of an allergic reaction"),
    # --- contact_clinic ----------------------------------------------------
    _flag("pigment_change", Severity.CONTACT_CLINIC, "clinic_pigment", "red flag: new dark or light patches"),
    _flag("wound_not_healing", Severity.CONTACT_CLINIC, "clinic_scarring",
          "red flag: a wound that does not heal or a scar forming"),
    _rated("severe_redness_after_first_day", "redness", (3, 3), AFTER_FIRST_DAY, Severity.CONTACT_CLINIC,
           "clinic_redness_swelling", "redness severe (3) after first day"),
    _rated("severe_swelling_after_first_day", "swelling", (3, 3), AFTER_FIRST_DAY, Severity.CONTACT_CLINIC,
           "clinic_redness_swelling", "swelling severe (3) after first day"),
    _rated("redness_beyond_window", "redness", (2, 3), OUTSIDE_WINDOW, Severity.CONTACT_CLINIC,
           "clinic_redness_swelling", "redness moderate or worse (>=2) outside window"),
    _rated("swelling_beyond_window", "swelling", (2, 3), OUTSIDE_WINDOW, Severity.CONTACT_CLINIC,
           "clinic_redness_swelling", "swelling moderate or worse (>=2) outside window"),
    Rule("worsening_trend", "previous check-in exists, now >= 48 h after treatment, and redness, swelling or "
         "pain rose, or the sum of all ratings rose by >= 2", Severity.CONTACT_CLINIC, "clinic_worsening", TREND),
    _rated("severe_pain", "pain", (3, 3), ANY, Severity.CONTACT_CLINIC,
           "clinic_pain", "pain or tenderness severe (3), any time"),
    _rated("severe_itching", "itching", (3, 3), ANY, Severity.CONTACT_CLINIC,
           "clinic_itching", "itching severe (3), any time"),
    _rated("severe_breakouts", "breakouts", (3, 3), ANY, Severity.CONTACT_CLINIC,
           "clinic_breakouts", "breakouts or bumps severe (3), any time"),
    _rated("severe_bruising", "bruising", (3, 3), ANY, Severity.CONTACT_CLINIC,
           "clinic_bruising", "bruising severe (3), any time"),
    # --- self_care ---------------------------------------------------------
    _rated("severe_redness_first_day", "redness", (3, 3), FIRST_DAY, Severity.SELF_CARE,
           "care_strong_first_day", "redness severe (3) in first day"),
    _rated("severe_swelling_first_day", "swelling", (3, 3), FIRST_DAY, Severity.SELF_CARE,
           "care_strong_first_day", "swelling severe (3) in first day"),
    _rated("mild_redness_beyond_window", "redness", (1, 1), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_lingering", "redness mild (1) outside window"),
    _rated("mild_swelling_beyond_window", "swelling", (1, 1), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_lingering", "swelling mild (1) outside window"),
    _rated("moderate_pain", "pain", (2, 2), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_tenderness", "pain or tenderness moderate (2) outside window"),
    _rated("moderate_itching", "itching", (2, 2), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_itching", "itching moderate (2) outside window"),
    _rated("moderate_dryness", "dryness", (2, 2), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_dryness", "dryness or peeling moderate (2) outside window"),
    _rated("severe_dryness", "dryness", (3, 3), ANY, Severity.SELF_CARE,
           "care_dryness", "dryness or peeling severe (3), any time"),
    _rated("bruising", "bruising", (1, 2), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_bruising", "bruising mild or moderate (1-2) outside window"),
    _rated("breakouts", "breakouts", (1, 2), OUTSIDE_WINDOW, Severity.SELF_CARE,
           "care_breakouts", "breakouts or bumps mild or moderate (1-2) outside window"),
    # --- expected ----------------------------------------------------------
    _rated("redness_on_course", "redness", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_redness_swelling", "redness mild or moderate (1-2) inside window"),
    _rated("swelling_on_course", "swelling", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_redness_swelling", "swelling mild or moderate (1-2) inside window"),
    _rated("pain_on_course", "pain", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_protocol_window", "pain or tenderness mild or moderate (1-2) inside window"),
    _rated("itching_on_course", "itching", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_protocol_window", "itching mild or moderate (1-2) inside window"),
    _rated("dryness_on_course", "dryness", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_protocol_window", "dryness or peeling mild or moderate (1-2) inside window"),
    _rated("bruising_on_course", "bruising", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_protocol_window", "bruising mild or moderate (1-2) inside window"),
    _rated("breakouts_on_course", "breakouts", (1, 2), INSIDE_WINDOW, Severity.EXPECTED,
           "ok_protocol_window", "breakouts or bumps mild or moderate (1-2) inside window"),
    _rated("mild_pain", "pain", (1, 1), OUTSIDE_WINDOW, Severity.EXPECTED,
           "ok_healing", "pain or tenderness mild (1) outside window"),
    _rated("mild_itching", "itching", (1, 1), OUTSIDE_WINDOW, Severity.EXPECTED,
           "ok_healing", "itching mild (1) outside window"),
    _rated("mild_dryness", "dryness", (1, 1), OUTSIDE_WINDOW, Severity.EXPECTED,
           "ok_healing", "dryness or peeling mild (1) outside window"),
    Rule("all_clear", "every rating 0 and no red flag", Severity.EXPECTED, "ok_all_clear", ALL_CLEAR),
)
# fmt: on


def triage_table() -> list[dict[str, object]]:
    """The table as JSON-able rows, for the API and the issue's closing note."""
    return [
        {
            "id": rule.id,
            "condition": rule.condition,
            "outcome": rule.outcome,
            "advice_key": rule.advice,
            "kind": rule.kind,
            "subject": rule.subject,
            "ratings": list(rule.ratings) if rule.kind == RATING else None,
            "timing": rule.timing,
        }
        for rule in TRIAGE_RULES
    ]
