"""Properties that must hold for every possible check-in, not just the chosen examples."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from companion.checkins.symptoms import COURSE_ALIASES, MAX_RATING, RED_FLAGS, SYMPTOMS
from companion.checkins.triage import OUTCOMES, Severity, SymptomReport, triage
from companion.checkins.triage_table import TRIAGE_RULES
from companion.treatments.facts import ExpectedCourse

RULE_OUTCOME = {rule.id: rule.outcome for rule in TRIAGE_RULES}
COURSE_KEYS = sorted({*SYMPTOMS, *(alias for aliases in COURSE_ALIASES.values() for alias in aliases)})

window = st.floats(min_value=0, max_value=400, allow_nan=False)
hours = st.one_of(st.none(), st.floats(min_value=0, max_value=2000, allow_nan=False))
ratings = st.dictionaries(st.sampled_from(SYMPTOMS), st.integers(min_value=0, max_value=MAX_RATING))
flags = st.frozensets(st.sampled_from(RED_FLAGS))
courses = st.builds(
    ExpectedCourse,
    redness_hours=window,
    swelling_hours=window,
    other_hours=st.dictionaries(st.sampled_from(COURSE_KEYS), window, max_size=4),
)
reports = st.builds(SymptomReport, ratings=ratings, red_flags=flags, hours_since_treatment=hours)
previous_reports = st.one_of(st.none(), reports)
locales = st.one_of(st.sampled_from(["en", "es", "es-MX", "en-US", "fr", ""]), st.text(max_size=12))


@given(reports, courses, previous_reports, locales)
def test_verdict_is_well_formed(report, course, previous, locale):
    verdict = triage(report, course, previous, locale)
    assert verdict.outcome in OUTCOMES
    assert verdict.advice.strip()
    assert verdict.reasons, "some rule always explains the outcome"
    assert all(reason in RULE_OUTCOME for reason in verdict.reasons)
    ranks = [RULE_OUTCOME[reason].rank for reason in verdict.reasons]
    assert ranks == sorted(ranks, reverse=True)
    assert verdict.outcome.rank == ranks[0]
    assert len(set(verdict.reasons)) == len(verdict.reasons)


@given(reports, courses, previous_reports, st.sampled_from(SYMPTOMS), st.integers(min_value=1, max_value=MAX_RATING))
def test_raising_a_rating_never_lowers_severity(report, course, previous, symptom, step):
    raised = dict(report.ratings)
    raised[symptom] = min(MAX_RATING, report.rating(symptom) + step)
    worse = SymptomReport(raised, report.red_flags, report.hours_since_treatment)
    assert triage(worse, course, previous).outcome.rank >= triage(report, course, previous).outcome.rank


@given(reports, courses, previous_reports, st.sampled_from(RED_FLAGS))
def test_adding_a_red_flag_never_lowers_severity(report, course, previous, flag):
    worse = SymptomReport(report.ratings, report.red_flags | {flag}, report.hours_since_treatment)
    assert triage(worse, course, previous).outcome.rank >= triage(report, course, previous).outcome.rank


@given(reports, courses, previous_reports)
def test_any_red_flag_reaches_the_clinic(report, course, previous):
    verdict = triage(report, course, previous)
    if report.red_flags:
        assert verdict.outcome.rank >= Severity.CONTACT_CLINIC.rank
    if report.red_flags - {"pigment_change", "wound_not_healing"}:
        assert verdict.outcome == "urgent"


@given(hours, courses, previous_reports, locales)
def test_nothing_reported_is_expected(hours_since, course, previous, locale):
    zero = SymptomReport(dict.fromkeys(SYMPTOMS, 0), frozenset(), hours_since)
    verdict = triage(zero, course, previous, locale)
    assert verdict.outcome == "expected"
    assert verdict.reasons == ("all_clear",)


@given(reports, courses, previous_reports, locales)
def test_triage_is_pure(report, course, previous, locale):
    before = dict(report.ratings)
    assert triage(report, course, previous, locale) == triage(report, course, previous, locale)
    assert dict(report.ratings) == before
