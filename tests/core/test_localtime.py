"""Offset changes near an instant, which quiet hours are placed around: exact, and only those in reach."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.core.localtime import QuietHours, transitions_near

MADRID, LORD_HOWE = ZoneInfo("Europe/Madrid"), ZoneInfo("Australia/Lord_Howe")
MADRID_SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 -> 03:00
MADRID_AUTUMN = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 -> 02:00
LORD_HOWE_APRIL = datetime(2026, 4, 4, 15, 0, tzinfo=UTC)  # half an hour back


def test_each_change_is_found_to_the_second_from_either_side():
    for zone, change in ((MADRID, MADRID_SPRING), (MADRID, MADRID_AUTUMN), (LORD_HOWE, LORD_HOWE_APRIL)):
        for hours in (-29, -3, 0, 5, 29):
            assert transitions_near(change + timedelta(hours=hours, seconds=17), zone) == [change]


def test_only_changes_within_the_span_count():
    span = timedelta(hours=30)
    assert transitions_near(MADRID_SPRING + span, MADRID) == []  # the window starts just after it
    assert transitions_near(MADRID_SPRING - span, MADRID) == [MADRID_SPRING]  # and ends on it
    assert transitions_near(datetime(2026, 6, 1, tzinfo=UTC), MADRID) == []
    assert transitions_near(MADRID_SPRING, ZoneInfo("UTC")) == []


def test_quiet_hours_on_the_night_the_clocks_go_forward():
    quiet = QuietHours(MADRID, time(22), time(8))
    evening = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 local, the night of the change
    assert quiet.next_start(evening) == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # 22:00 CET
    assert quiet.period_end(evening + timedelta(hours=2)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
