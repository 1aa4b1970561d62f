"""One test per triage rule, at its boundary, plus the no-alert guarantee for the normal course."""

from __future__ import annotations

import json

import pytest

from companion.checkins.advice import ADVICE, advice_text
from companion.checkins.symptoms import RATING_LABELS, RED_FLAGS, SYMPTOMS
from companion.checkins.triage import (
    OUTCOMES,
    SymptomReport,
    Verdict,
    triage,
    triage_table,
)
from companion.checkins.triage_rules import RATING, RED_FLAG
from companion.checkins.triage_table import TRIAGE_RULES
from companion.core.i18n import SUPPORTED_LOCALES, negotiate, translations
from companion.treatments.facts import ExpectedCourse

LIGHT = ExpectedCourse(redness_hours=24, swelling_hours=24)
STANDARD = ExpectedCourse(redness_hours=48, swelling_hours=48)
DEEP = ExpectedCourse(redness_hours=168, swelling_hours=168)


def rep(hours: float | None, *flags: str, **ratings: int) -> SymptomReport:
    return SymptomReport(ratings=ratings, red_flags=frozenset(flags), hours_since_treatment=hours)


def with_window(**hours: float) -> ExpectedCourse:
    return ExpectedCourse(redness_hours=48, swelling_hours=48, other_hours=hours)


# --- the table itself -------------------------------------------------------


def test_vocabularies():
    assert RATING_LABELS == ("none", "mild", "moderate", "severe")
    assert {"redness", "swelling", "pain", "itching", "dryness", "bruising", "breakouts"} <= set(SYMPTOMS)
    assert set(RED_FLAGS) == {
        "pus",
        "fever",
        "spreading_redness",
        "blisters",
        "pigment_change",
        "severe_pain",
        "allergic_reaction",
        "wound_not_healing",
    }
    assert OUTCOMES == ("expected", "self_care", "contact_clinic", "urgent")


def test_table_is_consistent():
    ids = [rule.id for rule in TRIAGE_RULES]
    assert len(ids) == len(set(ids))
    for rule in TRIAGE_RULES:
        assert rule.outcome in OUTCOMES
        assert rule.condition
        assert ADVICE.get(rule.advice), rule.advice
        if rule.kind == RED_FLAG:
            assert rule.subject in RED_FLAGS
        if rule.kind == RATING:
            assert rule.subject in SYMPTOMS
            low, high = rule.ratings
            assert 1 <= low <= high <= 3
    severities = [rule.outcome.rank for rule in TRIAGE_RULES]
    assert severities == sorted(severities, reverse=True), "rows are listed most severe first"
    assert {rule.subject for rule in TRIAGE_RULES if rule.kind == RED_FLAG} == set(RED_FLAGS)


def test_every_advice_text_is_translated():
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue
        missing = [key for key, text in ADVICE.items() if text not in translations(locale)]
        assert not missing, (locale, missing)
    for outcome in OUTCOMES:
        assert advice_text(f"outcome_{outcome}", "es") != advice_text(f"outcome_{outcome}", "en")


def test_triage_table_rows_are_json():
    rows = triage_table()
    assert json.loads(json.dumps(rows)) == rows
    assert [row["id"] for row in rows] == [rule.id for rule in TRIAGE_RULES]
    assert set(rows[0]) >= {"id", "condition", "outcome", "advice_key"}


# --- red flags --------------------------------------------------------------


@pytest.mark.parametrize("flag", RED_FLAGS)
def test_red_flag_rule(flag):
    fired = triage(rep(10, flag), STANDARD)
    assert fired.reasons[0] == f"flag_{flag}"
    assert fired.outcome == ("contact_clinic" if flag in ("pigment_change", "wound_not_healing") else "urgent")
    quiet = triage(rep(10), STANDARD)
    assert f"flag_{flag}" not in quiet.reasons


def test_pigment_change_with_another_flag_is_urgent():
    verdict = triage(rep(10, "pigment_change", "fever"), STANDARD)
    assert verdict.outcome == "urgent"
    assert verdict.reasons == ("flag_fever", "flag_pigment_change")


# --- every rating rule at its boundary --------------------------------------

# rule id, outcome when it is the deciding rule, (report, course) that fires it,
# (report, course) just on the other side of its boundary.
CASES = [
    ("severe_redness_after_first_day", "contact_clinic", (rep(24.01, redness=3), DEEP), (rep(24, redness=3), DEEP)),
    ("severe_swelling_after_first_day", "contact_clinic", (rep(24.01, swelling=3), DEEP), (rep(24, swelling=3), DEEP)),
    ("redness_beyond_window", "contact_clinic", (rep(48.01, redness=2), STANDARD), (rep(48, redness=2), STANDARD)),
    ("swelling_beyond_window", "contact_clinic", (rep(48.01, swelling=2), STANDARD), (rep(48, swelling=2), STANDARD)),
    ("severe_pain", "contact_clinic", (rep(10, pain=3), STANDARD), (rep(10, pain=2), STANDARD)),
    ("severe_itching", "contact_clinic", (rep(10, itching=3), STANDARD), (rep(10, itching=2), STANDARD)),
    ("severe_breakouts", "contact_clinic", (rep(10, breakouts=3), STANDARD), (rep(10, breakouts=2), STANDARD)),
    ("severe_bruising", "contact_clinic", (rep(10, bruising=3), STANDARD), (rep(10, bruising=2), STANDARD)),
    ("severe_redness_first_day", "self_care", (rep(24, redness=3), DEEP), (rep(24.01, redness=3), DEEP)),
    ("severe_swelling_first_day", "self_care", (rep(24, swelling=3), DEEP), (rep(24.01, swelling=3), DEEP)),
    ("mild_redness_beyond_window", "self_care", (rep(48.01, redness=1), STANDARD), (rep(48, redness=1), STANDARD)),
    ("mild_swelling_beyond_window", "self_care", (rep(48.01, swelling=1), STANDARD), (rep(48, swelling=1), STANDARD)),
    ("moderate_pain", "self_care", (rep(72.01, pain=2), with_window(pain=72)), (rep(72, pain=2), with_window(pain=72))),
    ("moderate_itching", "self_care", (rep(10, itching=2), STANDARD), (rep(10, itching=1), STANDARD)),
    (
        "moderate_dryness",
        "self_care",
        (rep(168.5, dryness=2), with_window(dryness_peeling=168)),
        (rep(168, dryness=2), with_window(dryness_peeling=168)),
    ),
    (
        "severe_dryness",
        "self_care",
        (rep(10, dryness=3), with_window(dryness=168)),
        (rep(10, dryness=2), with_window(dryness=168)),
    ),
    (
        "bruising",
        "self_care",
        (rep(72.01, bruising=2), with_window(bruising=72)),
        (rep(72, bruising=2), with_window(bruising=72)),
    ),
    ("breakouts", "self_care", (rep(10, breakouts=1), STANDARD), (rep(10), STANDARD)),
    ("redness_on_course", "expected", (rep(48, redness=2), STANDARD), (rep(48.01, redness=2), STANDARD)),
    ("swelling_on_course", "expected", (rep(48, swelling=2), STANDARD), (rep(48.01, swelling=2), STANDARD)),
    (
        "pain_on_course",
        "expected",
        (rep(72, pain=2), with_window(pain_tenderness=72)),
        (rep(73, pain=2), with_window(pain_tenderness=72)),
    ),
    (
        "itching_on_course",
        "expected",
        (rep(96, itching=2), with_window(itching=96)),
        (rep(97, itching=2), with_window(itching=96)),
    ),
    (
        "dryness_on_course",
        "expected",
        (rep(168, dryness=2), with_window(dryness=168)),
        (rep(168, dryness=3), with_window(dryness=168)),
    ),
    (
        "bruising_on_course",
        "expected",
        (rep(72, bruising=1), with_window(bruising=72)),
        (rep(72, bruising=1), STANDARD),
    ),
    (
        "breakouts_on_course",
        "expected",
        (rep(120, breakouts=2), with_window(breakouts_bumps=120)),
        (rep(121, breakouts=2), with_window(breakouts_bumps=120)),
    ),
    ("mild_pain", "expected", (rep(200, pain=1), STANDARD), (rep(200, pain=2), STANDARD)),
    ("mild_itching", "expected", (rep(200, itching=1), STANDARD), (rep(200), STANDARD)),
    ("mild_dryness", "expected", (rep(200, dryness=1), STANDARD), (rep(200, dryness=1), with_window(dryness=200))),
    ("all_clear", "expected", (rep(10), STANDARD), (rep(10, bruising=1), STANDARD)),
]


def test_every_rule_has_a_boundary_case():
    covered = {case[0] for case in CASES} | {f"flag_{flag}" for flag in RED_FLAGS} | {"worsening_trend"}
    assert covered == {rule.id for rule in TRIAGE_RULES}


@pytest.mark.parametrize(("rule_id", "outcome", "fires", "misses"), CASES, ids=[case[0] for case in CASES])
def test_rule_boundary(rule_id, outcome, fires, misses):
    verdict = triage(*fires)
    assert rule_id in verdict.reasons
    assert verdict.outcome == outcome
    assert verdict.outcome.rank == next(rule.outcome for rule in TRIAGE_RULES if rule.id == verdict.reasons[0]).rank
    assert rule_id not in triage(*misses).reasons


# --- worsening trend --------------------------------------------------------

BEFORE = rep(30, redness=1, swelling=1)


@pytest.mark.parametrize(
    ("current", "previous", "fires"),
    [
        (rep(48, redness=2, swelling=1), BEFORE, True),  # redness rose, at 48 h exactly
        (rep(47.99, redness=2, swelling=1), BEFORE, False),  # too early: normal ups and downs
        (rep(48, redness=2, swelling=1), None, False),  # nothing to compare with
        (rep(60, redness=1, swelling=2), BEFORE, True),
        (rep(60, redness=1, swelling=1, pain=1), BEFORE, True),
        (rep(60, redness=1, swelling=1), BEFORE, False),  # unchanged
        (rep(60, redness=1, swelling=1, itching=1, dryness=1), BEFORE, True),  # sum +2
        (rep(60, redness=1, swelling=1, dryness=1), BEFORE, False),  # sum +1 only
        (rep(60, redness=0, swelling=1, itching=1, dryness=1), BEFORE, False),  # net +1
        (rep(60, swelling=0), BEFORE, False),  # improving
    ],
)
def test_worsening_trend(current, previous, fires):
    verdict = triage(current, DEEP, previous)
    assert ("worsening_trend" in verdict.reasons) is fires
    if fires:
        assert verdict.outcome == "contact_clinic"
    else:
        assert verdict.outcome == "expected"


# --- alert fatigue: the normal course stays "expected" ----------------------

NORMAL = [
    {"redness": 1, "swelling": 1},
    {"redness": 2, "swelling": 2},
    {"redness": 2, "swelling": 1, "pain": 1},
    {"redness": 1, "itching": 1, "dryness": 1},
    {"swelling": 2, "pain": 1, "dryness": 1, "itching": 1},
]


@pytest.mark.parametrize("course", [LIGHT, STANDARD, DEEP], ids=["light-24h", "standard-48h", "deep-168h"])
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("ratings", NORMAL)
def test_expected_course_does_not_escalate(course, fraction, ratings):
    hours = course.redness_hours * fraction
    verdict = triage(SymptomReport(ratings, frozenset(), hours), course)
    assert verdict.outcome == "expected", verdict.reasons


@pytest.mark.parametrize("course", [STANDARD, DEEP], ids=["standard-48h", "deep-168h"])
def test_a_normal_recovery_series_never_escalates(course):
    window = course.redness_hours
    series = [
        rep(2, redness=2, swelling=2, pain=1),
        rep(window * 0.25, redness=2, swelling=1, pain=1),
        rep(window * 0.5, redness=2, swelling=1, dryness=1),
        rep(window * 0.75, redness=1, swelling=1, dryness=1, itching=1),
        rep(window, redness=1, dryness=1),
        rep(window + 24, dryness=1),
        rep(window + 72),
    ]
    previous = None
    for current in series:
        verdict = triage(current, course, previous)
        assert verdict.outcome == "expected", (current, verdict.reasons)
        previous = current


def test_strong_first_day_reaction_gets_self_care_not_an_alert():
    assert triage(rep(6, redness=3, swelling=3, pain=2), DEEP).outcome == "self_care"


# --- no treatment on record --------------------------------------------------


def test_without_a_treatment_nothing_is_explained_by_it():
    assert triage(rep(None, redness=1), STANDARD).reasons == ("mild_redness_beyond_window",)
    assert triage(rep(None, redness=3), STANDARD).outcome == "contact_clinic"
    assert "worsening_trend" in triage(rep(None, pain=1), STANDARD, rep(None)).reasons
    assert triage(rep(None), STANDARD).outcome == "expected"


# --- verdict shape -----------------------------------------------------------


def test_reasons_most_severe_first_and_advice_from_winner_only():
    verdict = triage(rep(60, "fever", redness=2, itching=2, dryness=1), STANDARD)
    assert isinstance(verdict, Verdict)
    assert verdict.reasons == ("flag_fever", "redness_beyond_window", "moderate_itching", "mild_dryness")
    assert advice_text("urgent_infection") in verdict.advice
    assert advice_text("care_itching") not in verdict.advice
    assert verdict.advice.endswith(advice_text("outcome_urgent"))


def test_shared_advice_is_said_once():
    verdict = triage(rep(60, redness=3, swelling=3), STANDARD)
    assert verdict.advice.count(advice_text("clinic_redness_swelling")) == 1


def test_missing_ratings_count_as_zero():
    assert triage(SymptomReport({}, frozenset(), 5), STANDARD).reasons == ("all_clear",)


# --- locales -----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["es-MX", "es", "es_MX", "ES-mx"])
def test_spanish_advice(locale):
    verdict = triage(rep(10, itching=2), STANDARD, locale=locale)
    assert verdict.advice.startswith(advice_text("care_itching", "es"))
    assert not verdict.advice.startswith(advice_text("care_itching", "en"))
    assert verdict.advice == triage(rep(10, itching=2), STANDARD, locale="es").advice


@pytest.mark.parametrize("locale", ["fr", "pt-BR", "", "xx-YY-zz", "en-GB"])
def test_unknown_locale_falls_back_to_english(locale):
    assert triage(rep(10, "fever"), STANDARD, locale=locale).advice == triage(rep(10, "fever"), STANDARD).advice


def test_one_locale_resolver():
    assert negotiate("es-MX") == "es"
    assert negotiate("en-US") == "en"
    assert negotiate("de") == "en"
    assert negotiate(None) == "en"


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "report",
    [
        SymptomReport({"acne": 1}, frozenset(), 10),
        SymptomReport({"redness": 4}, frozenset(), 10),
        SymptomReport({"redness": -1}, frozenset(), 10),
        SymptomReport({"redness": 1.5}, frozenset(), 10),  # type: ignore[dict-item]
        SymptomReport({"redness": True}, frozenset(), 10),
        SymptomReport({"redness": "2"}, frozenset(), 10),  # type: ignore[dict-item]
        SymptomReport({}, frozenset({"rash"}), 10),
        SymptomReport({}, frozenset(), -1),
        SymptomReport({}, frozenset(), float("nan")),
        SymptomReport({}, frozenset(), float("inf")),
    ],
)
def test_bad_input_raises_value_error(report):
    with pytest.raises(ValueError):
        triage(report, STANDARD)
    with pytest.raises(ValueError):
        triage(rep(60), STANDARD, previous=report)
