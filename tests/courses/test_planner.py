"""The course planner (pure): what looks forward is planned from the latest session and the bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.courses.planner import Booking, History, Session, plan_course
from tests.treatments import local, prefs, protocol

NY = "America/New_York"
PERFORMED = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)  # 10:00 in New York


def _plan(sessions, bookings=(), *, now=PERFORMED, history=None, locale="en", key="microneedling-face", quiet=None):
    return plan_course(protocol(key).content, sessions, bookings, prefs(NY, locale, quiet), history or History(), now)


def _kinds(plan, kind):
    return [r for r in plan if r.kind == kind]


def test_progress_checkins_monthly_for_six_months_from_the_latest_session():
    progress = _kinds(_plan([Session(1, PERFORMED, 1, 1)]), "progress_checkin")
    assert [r.plan_key for r in progress] == [f"course:progress:2026-{m:02d}" for m in range(6, 12)]
    assert [r.due_at.astimezone(ZoneInfo(NY)).date() for r in progress] == [date(2026, m, 4) for m in range(6, 12)]
    assert all(r.due_at.astimezone(ZoneInfo(NY)).time() == time(10) for r in progress)


def test_within_a_series_the_next_session_is_nudged_when_the_window_opens_and_before_it_closes():
    plan = {r.plan_key: r for r in _plan([Session(7, PERFORMED, 1, 3)])}
    opens, closing = plan["course:s7:next2:open"], plan["course:s7:next2:closing"]
    assert opens.kind == closing.kind == "next_session" and "2 of 3" in opens.body
    assert opens.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 6, 1, 10, 0)  # 4 weeks
    assert closing.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 6, 8, 10, 0)  # a week before 6 weeks
    assert opens.expires_at == closing.expires_at == PERFORMED + timedelta(weeks=6)


def test_after_the_last_session_maintenance_is_nudged_at_6_9_and_12_months():
    plan = _plan(
        [
            Session(1, PERFORMED - timedelta(weeks=10), 1, 3),
            Session(2, PERFORMED - timedelta(weeks=5), 2, 3),
            Session(3, PERFORMED, 3, 3),
        ]
    )
    assert not _kinds(plan, "next_session")
    maintenance = _kinds(plan, "maintenance")
    assert [r.due_at.astimezone(ZoneInfo(NY)).date() for r in maintenance] == [
        date(2026, 11, 4),
        date(2027, 2, 4),
        date(2027, 5, 4),
    ]
    assert [r.plan_key for r in maintenance] == [f"course:s3:maintenance:m{m}" for m in (6, 9, 12)]


def test_a_booking_after_the_latest_session_stops_every_nudge_and_brings_its_own_reminder():
    visit = local(NY, 2026, 6, 5, 11, 30)
    plan = _plan([Session(1, PERFORMED, 1, 3)], [Booking(4, visit, "Come without makeup")])
    assert not _kinds(plan, "next_session") and not _kinds(plan, "maintenance")
    assert len(_kinds(plan, "progress_checkin")) == 6  # progress is not a nudge to book
    (reminder,) = _kinds(plan, "appointment")
    assert reminder.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 6, 4, 18, 0)
    assert reminder.expires_at < visit
    assert "2026-06-05 11:30" in reminder.body and "Come without makeup" in reminder.body


def test_an_appointment_reminder_moves_out_of_quiet_hours():
    visit = local(NY, 2026, 6, 5, 9, 0)
    plan = _plan([Session(1, PERFORMED, 1, 3)], [Booking(4, visit)], quiet=(time(17, 0), time(8, 0)))
    (reminder,) = _kinds(plan, "appointment")
    assert reminder.due_at.astimezone(ZoneInfo(NY)) == local(NY, 2026, 6, 4, 16, 45)


def test_what_reached_the_patient_is_not_planned_again_and_no_month_gets_two_progress_pushes():
    history = History(delivered_keys=frozenset({"course:s1:next2:open"}), progress_months=frozenset({"2026-06"}))
    plan = _plan([Session(1, PERFORMED, 1, 3)], history=history, now=PERFORMED + timedelta(days=29))
    keys = {r.plan_key for r in plan}
    assert "course:s1:next2:open" not in keys and "course:s1:next2:closing" in keys
    assert "course:progress:2026-06" not in keys


def test_a_nudge_still_useful_when_a_booking_is_cancelled_comes_back_at_once():
    now = PERFORMED + timedelta(weeks=4, days=3)
    plan = _plan([Session(1, PERFORMED, 1, 3)], [], now=now)
    opens = next(r for r in plan if r.plan_key == "course:s1:next2:open")
    assert opens.due_at == now


def test_spanish_text_for_a_regional_locale():
    plan = _plan(
        [Session(1, PERFORMED, 1, 3)], [Booking(2, local(NY, 2026, 6, 5, 11, 30), "Sin maquillaje")], locale="es-MX"
    )
    assert _kinds(plan, "appointment")[0].body.startswith("Tu cita en la clínica es el 2026-06-05 11:30.")
    assert "Nota de tu clínica: Sin maquillaje" in _kinds(plan, "appointment")[0].body
    nudges = _kinds(_plan([Session(1, PERFORMED, 1, 3)], locale="es-MX"), "next_session")
    assert nudges[0].body.startswith("La sesión 2 de 3")
