"""Invariants of any plan, over real zones, DST transition dates, depths and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.core.localtime import wall_to_utc
from companion.treatments.facts import PatientPrefs
from companion.treatments.timeline import expected_course, plan_timeline
from tests.treatments import KEYS, facts, protocol

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Mexico_City",
    "Europe/Madrid",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/Santiago",
    "UTC",
)


def _transitions(zone: str) -> list[datetime]:
    """Each zone's offset changes in 2025-2027, found by a daily scan (tests only)."""
    tz = ZoneInfo(zone)
    day = datetime(2025, 1, 1, tzinfo=UTC)
    found = []
    while day.year < 2028:
        if day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset():
            found.append(day)
        day += timedelta(days=1)
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}
AREAS = {key: protocol(key).allowed_areas for key in KEYS}
COMBINED = {key: protocol(key).allowed_combined for key in KEYS}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

minutes = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@st.composite
def cases(draw):
    zone = draw(st.sampled_from(ZONES))
    anchors = TRANSITIONS[zone]
    if anchors and draw(st.booleans()):
        # Just before a DST change, so the first days' reminders straddle it.
        base = draw(st.sampled_from(anchors)) - timedelta(days=draw(st.integers(0, 9)))
        performed = base + timedelta(minutes=draw(st.integers(0, 48 * 60)))
    else:
        performed = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 3 * 365 * 24 * 60)))
    key = draw(st.sampled_from(KEYS))
    planned = draw(st.integers(1, 6))
    treatment = facts(
        performed.astimezone(ZoneInfo(zone)),
        needle_depth_mm=draw(st.integers(50, 250)) / 100,
        area=draw(st.sampled_from(AREAS[key])),
        combined_with=tuple(draw(st.lists(st.sampled_from(COMBINED[key]), max_size=2, unique=True))),
        session_number=draw(st.integers(1, planned)),
        planned_sessions=planned,
    )
    quiet = (draw(minutes), draw(minutes)) if draw(st.integers(0, 4)) else (time(21), time(8))
    prefs = PatientPrefs(zone, draw(st.sampled_from(("en", "es", "es-MX", "fr"))), *quiet)
    return key, treatment, prefs


def _quiet(instant: datetime, prefs: PatientPrefs) -> bool:
    """Written apart from the engine so the check does not share its bugs."""
    start, end = prefs.quiet_start, prefs.quiet_end
    wall = instant.astimezone(ZoneInfo(prefs.timezone)).time()
    if start == end:
        return False
    return start <= wall < end if start < end else not end <= wall < start


@FAST
@given(cases())
def test_plan_invariants(case):
    key, treatment, prefs = case
    proto = protocol(key)
    plan = plan_timeline(proto, treatment, prefs)
    performed = treatment.performed_at.astimezone(UTC)

    rules = proto.content["restrictions"]
    assert [r.kind for r in plan.restrictions] == list(rules)
    for window in plan.restrictions:
        assert window.starts_at == performed
        assert window.ends_at - window.starts_at == timedelta(hours=rules[window.kind]["hours"])
        assert window.title and window.detail

    keys = [r.plan_key for r in plan.reminders]
    assert len(keys) == len(set(keys))
    assert [r.due_at for r in plan.reminders] == sorted(r.due_at for r in plan.reminders)
    ends = {w.kind: w.ends_at for w in plan.restrictions}
    for reminder in plan.reminders:
        assert reminder.due_at.tzinfo is UTC and reminder.expires_at.tzinfo is UTC
        assert performed <= reminder.due_at < reminder.expires_at
        assert not _quiet(reminder.due_at, prefs), (reminder.plan_key, reminder.due_at)
        assert reminder.title and reminder.body and "{" not in reminder.body
        assert reminder.priority in ("normal", "high")
        if reminder.kind == "restriction_ended":
            assert reminder.due_at >= ends[reminder.plan_key.split(":")[1]]
        if reminder.kind == "sun_protection":
            assert reminder.expires_at <= ends["sun"]

    assert not any(r.kind in ("maintenance", "next_session", "progress_checkin") for r in plan.reminders)


@FAST
@given(st.sampled_from(KEYS), st.integers(25, 300), st.integers(25, 300))
def test_deeper_never_heals_faster(key, a, b):
    shallow, deep = sorted((a / 100, b / 100))
    proto = protocol(key)
    area = proto.allowed_areas[0]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = expected_course(proto, facts(now, needle_depth_mm=shallow, area=area))
    second = expected_course(proto, facts(now, needle_depth_mm=deep, area=area))
    assert first.redness_hours <= second.redness_hours
    assert first.swelling_hours <= second.swelling_hours
    assert 24 <= first.redness_hours <= 24 * 8


@FAST
@given(st.sampled_from(ZONES), st.integers(0, 3 * 365), minutes)
def test_wall_times_land_on_that_wall_time_or_just_after_a_gap(zone, days, at):
    tz = ZoneInfo(zone)
    day = (datetime(2025, 1, 1) + timedelta(days=days)).date()
    instant = wall_to_utc(day, at, tz)
    wall = instant.astimezone(tz)
    wanted = datetime.combine(day, at)
    if wall.replace(tzinfo=None) != wanted:
        # Only a skipped wall time may move, and then forward to the end of the gap.
        assert wall.replace(tzinfo=None) > wanted
        assert wall.utcoffset() != (instant - timedelta(seconds=1)).astimezone(tz).utcoffset()
    else:
        for back in (timedelta(minutes=30), timedelta(hours=1)):  # Lord Howe repeats half an hour
            assert (instant - back).astimezone(tz).replace(tzinfo=None) != wanted  # first occurrence
