"""Every rule of the design table as it shows up in a generated timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.core.localtime import QuietHours, add_months, wall_to_utc
from companion.protocols.validation import apply_overrides
from companion.treatments.timeline import InvalidFacts, expected_course, plan_timeline
from tests.treatments import facts, local, prefs, protocol

NY = "America/New_York"
MADRID = "Europe/Madrid"
NO_QUIET = (time(0, 0), time(0, 0))


def _plan(performed_at, key="microneedling-face", zone=NY, locale="en", quiet=None, **changes):
    return plan_timeline(protocol(key), facts(performed_at, **changes), prefs(zone, locale, quiet))


def _by_key(plan):
    return {r.plan_key: r for r in plan.reminders}


def _restriction(plan, kind):
    return next(r for r in plan.restrictions if r.kind == kind)


PERFORMED = local(NY, 2026, 5, 4, 15, 0)


@pytest.mark.parametrize(
    ("kind", "hours"), [("makeup", 24), ("sweating", 48), ("actives", 168), ("exfoliation", 168), ("sun", 168)]
)
def test_restriction_windows_start_at_the_session_and_last_exactly(kind, hours):
    window = _restriction(_plan(PERFORMED), kind)
    assert window.starts_at == PERFORMED and window.starts_at.tzinfo is UTC
    assert window.ends_at - window.starts_at == timedelta(hours=hours)


def test_each_restriction_has_an_ended_notice_when_it_is_true():
    plan = _plan(PERFORMED)
    reminders = _by_key(plan)
    for window in plan.restrictions:
        notice = reminders[f"restriction:{window.kind}:ended"]
        assert notice.kind == "restriction_ended"
        assert window.ends_at <= notice.due_at < notice.expires_at <= window.ends_at + timedelta(hours=12)
    makeup = reminders["restriction:makeup:ended"]
    assert makeup.due_at == PERFORMED + timedelta(hours=24)
    assert makeup.title == "Makeup is fine again"


def test_sun_window_has_a_morning_spf_reminder_each_day_outside_quiet_hours():
    plan = _plan(PERFORMED)
    sun = _restriction(plan, "sun")
    spf = [r for r in plan.reminders if r.kind == "sun_protection"]
    assert len(spf) == 7  # 09:00 on each following day; the session itself was at 15:00
    quiet = QuietHours(ZoneInfo(NY), time(21), time(8))
    for reminder in spf:
        assert sun.starts_at <= reminder.due_at < reminder.expires_at <= sun.ends_at
        assert reminder.due_at.astimezone(ZoneInfo(NY)).time() == time(9, 0)
        assert not quiet.contains(reminder.due_at)
        assert reminder.priority == "high" and "SPF 30+" in reminder.body
    assert "SPF 30+" in sun.detail and "protective clothing" in sun.detail


def test_hydration_three_times_a_day_for_three_days():
    hydration = [r for r in _plan(PERFORMED).reminders if r.kind == "hydration"]
    assert len(hydration) == 9
    assert hydration[0].plan_key == "hydrate:d0:evening"
    assert "hydrate:d2:midday" in {r.plan_key for r in hydration}
    for reminder in hydration:
        assert reminder.expires_at - reminder.due_at <= timedelta(hours=3)
        assert PERFORMED <= reminder.due_at < PERFORMED + timedelta(hours=72)


def test_checkin_prompts_at_24h_48h_and_7_days():
    reminders = _by_key(_plan(PERFORMED))
    for key, hours in (("checkin:24h", 24), ("checkin:48h", 48), ("checkin:168h", 168)):
        assert reminders[key].kind == "checkin_prompt"
        assert reminders[key].due_at == PERFORMED + timedelta(hours=hours)
    assert reminders["checkin:24h"].priority == "high"


def test_a_session_plans_only_its_own_aftercare_the_course_plans_what_looks_forward():
    kinds = {r.kind for r in _plan(PERFORMED, session_number=1, planned_sessions=3).reminders}
    assert not kinds & {"progress_checkin", "next_session", "maintenance"}


def test_spanish_text_for_a_regional_locale():
    plan = _plan(PERFORMED, locale="es-MX", session_number=1, planned_sessions=3)
    assert _restriction(plan, "makeup").title == "Sin maquillaje"
    assert "24 horas" in _restriction(plan, "makeup").detail
    assert "FPS 30+" in _restriction(plan, "sun").detail
    assert _by_key(_plan(PERFORMED, locale="de-AT"))["checkin:24h"].title == "How is your skin today?"


@pytest.mark.parametrize(
    ("depth", "hours"), [(0.25, 24), (0.5, 24), (0.75, 48), (1.0, 48), (1.5, 72), (2.0, 120), (2.5, 168), (3.0, 168)]
)
def test_deeper_needles_mean_a_longer_expected_course(depth, hours):
    course = expected_course(protocol(), facts(PERFORMED, needle_depth_mm=depth))
    assert course.redness_hours == hours
    assert course.swelling_hours <= course.redness_hours
    assert course.other_hours["dryness_peeling"] > 0


def test_prp_adds_hours_alone_or_combined():
    plain = expected_course(protocol(), facts(PERFORMED, needle_depth_mm=1.0))
    combined = expected_course(protocol(), facts(PERFORMED, needle_depth_mm=1.0, combined_with=("prp", "serum")))
    prp = expected_course(protocol("microneedling-face-prp"), facts(PERFORMED, needle_depth_mm=1.0))
    assert combined.redness_hours == plain.redness_hours + 24 == prp.redness_hours
    assert "draw_site_bruising" in prp.other_hours
    assert _plan(PERFORMED, needle_depth_mm=2.5).expected_course.redness_hours == 168


def test_body_protocol_plans_for_body_areas():
    plan = _plan(PERFORMED, key="microneedling-body", area="thighs", needle_depth_mm=2.0)
    assert plan.expected_course.redness_hours == 120
    assert "self-tanner" in _restriction(plan, "makeup").title


def test_invalid_facts_are_refused():
    with pytest.raises(InvalidFacts) as caught:
        _plan(PERFORMED, area="abdomen", needle_depth_mm=4.0)
    assert set(caught.value.fields) == {"area", "needle_depth_mm"}


def test_reminders_are_sorted_unique_and_utc():
    plan = _plan(PERFORMED, session_number=1, planned_sessions=3)
    dues = [r.due_at for r in plan.reminders]
    assert dues == sorted(dues)
    assert len({r.plan_key for r in plan.reminders}) == len(plan.reminders)
    assert all(r.due_at.tzinfo is UTC and r.expires_at.tzinfo is UTC for r in plan.reminders)
    assert plan == _plan(PERFORMED, session_number=1, planned_sessions=3)  # deterministic


# --- quiet hours ---------------------------------------------------------------


def test_quiet_hours_across_midnight_push_to_the_morning():
    late = local(NY, 2026, 5, 4, 22, 30)
    checkin = _by_key(_plan(late))["checkin:24h"]
    assert checkin.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 5, 6, 8, 0)
    assert checkin.expires_at == late + timedelta(hours=36)


def test_quiet_hours_within_a_day():
    siesta = (time(13, 0), time(15, 30))
    midday = _by_key(_plan(local(MADRID, 2026, 5, 4, 10, 0), zone=MADRID, quiet=siesta))["hydrate:d1:midday"]
    assert midday.due_at.astimezone(ZoneInfo(MADRID)) == local(MADRID, 2026, 5, 5, 15, 30)
    assert midday.expires_at.astimezone(ZoneInfo(MADRID)) == local(MADRID, 2026, 5, 5, 17, 0)


def test_reminder_moves_before_quiet_hours_when_after_would_be_too_late():
    evening_quiet = (time(19, 0), time(23, 0))
    evening = _by_key(_plan(PERFORMED, quiet=evening_quiet))["hydrate:d0:evening"]
    assert evening.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 5, 4, 18, 45)


def test_reminder_is_dropped_when_no_slot_is_left():
    evening_quiet = (time(19, 0), time(23, 0))
    plan = _plan(local(NY, 2026, 5, 4, 18, 59, 30), quiet=evening_quiet)
    keys = _by_key(plan)
    assert "hydrate:d0:evening" not in keys
    assert all(r.due_at >= local(NY, 2026, 5, 4, 18, 59, 30) for r in plan.reminders)


def test_no_quiet_hours_when_start_equals_end():
    late = local(NY, 2026, 5, 4, 23, 30)
    assert _by_key(_plan(late, quiet=NO_QUIET))["checkin:24h"].due_at == late + timedelta(hours=24)


def test_short_reminders_expire_when_quiet_hours_begin():
    checkin = _by_key(_plan(PERFORMED))["checkin:24h"]  # due 15:00, 12 h later would be 03:00
    assert checkin.expires_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 5, 5, 21, 0)


# --- DST ---------------------------------------------------------------------


def _slot_plan(performed_at, zone, at):
    tuned = apply_overrides(protocol(), {"hydration": {"slots": [{"name": "night", "at": at}], "for_hours": 48}})
    return plan_timeline(tuned, facts(performed_at), prefs(zone, quiet=NO_QUIET))


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        (NY, date(2026, 3, 8), "02:30", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),  # gap -> 03:00 EDT
        (NY, date(2026, 11, 1), "01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # first 01:30 (EDT)
        (MADRID, date(2026, 3, 29), "02:30", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # gap -> 03:00 CEST
        (MADRID, date(2026, 10, 25), "02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 02:30 (CEST)
    ],
)
def test_wall_times_on_dst_days(zone, day, at, expected_utc):
    performed = datetime.combine(day - timedelta(days=1), time(12), tzinfo=ZoneInfo(zone))
    reminder = _by_key(_slot_plan(performed, zone, at))["hydrate:d1:night"]
    assert reminder.due_at == expected_utc
    hours, minutes = map(int, at.split(":"))
    assert wall_to_utc(day, time(hours, minutes), ZoneInfo(zone)) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day"),
    [(NY, date(2026, 3, 8)), (NY, date(2026, 11, 1)), (MADRID, date(2026, 3, 29)), (MADRID, date(2026, 10, 25))],
)
def test_morning_reminders_keep_local_time_across_dst(zone, day):
    performed = datetime.combine(day - timedelta(days=2), time(16), tzinfo=ZoneInfo(zone))
    plan = _plan(performed, zone=zone)
    for reminder in plan.reminders:
        if reminder.kind in ("sun_protection", "hydration"):
            assert reminder.due_at.astimezone(ZoneInfo(zone)).time() in (time(9), time(14), time(19, 30))
    windows = {r.kind: r.ends_at - r.starts_at for r in plan.restrictions}
    assert windows["makeup"] == timedelta(hours=24)  # elapsed hours, not wall-clock days


def test_quiet_end_on_spring_forward_day():
    late = local(NY, 2026, 3, 7, 2, 30)  # 24 h later is 03:30 EDT, inside quiet hours
    checkin = _by_key(_plan(late))["checkin:24h"]
    assert checkin.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 3, 8, 8, 0)
    assert checkin.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_quiet_hours_ending_inside_a_gap_or_a_repeated_hour():
    gap_quiet = QuietHours(ZoneInfo(NY), time(22, 0), time(2, 30))
    assert gap_quiet.period_end(datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    repeat_quiet = QuietHours(ZoneInfo(NY), time(22, 0), time(1, 30))
    second_pass = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, after 01:30 EDT went by
    assert repeat_quiet.contains(second_pass)
    assert repeat_quiet.period_end(second_pass) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)
