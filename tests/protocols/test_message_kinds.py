"""Each kind of reminder has a message category in the protocol file, and the must-see ones are
marked there; a file that leaves a kind out, or lets care instructions be muted, does not load."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from companion.courses.planner import History, Session, plan_course
from companion.protocols.registry import load_directory
from companion.protocols.validation import ProtocolError, apply_overrides
from companion.treatments.timeline import plan_timeline
from tests.treatments import SCHEDULES, facts, prefs, protocol

PERFORMED = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)


@pytest.fixture
def schedules(tmp_path: Path) -> Path:
    folder = tmp_path / "schedules"
    shutil.copytree(SCHEDULES, folder)
    return folder


def _failure(folder: Path, old: str, new: str) -> str:
    path = folder / "microneedling-face.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        load_directory(folder)
    return str(caught.value)


def test_a_kind_without_a_category_is_named(schedules):
    message = _failure(schedules, 'hydration = "care_tips"\n', "")
    assert "microneedling-face.toml" in message and "categories" in message and "hydration" in message


def test_a_daily_reminder_kind_needs_a_category_too(schedules):
    assert "sun_protection" in _failure(schedules, 'sun_protection = "care_tips"\n', "")


def test_an_unknown_category_is_refused(schedules):
    assert "categories" in _failure(schedules, 'hydration = "care_tips"', 'hydration = "newsletter"')


def test_care_instructions_stay_care_instructions(schedules):
    message = _failure(schedules, 'restriction_ended = "care_instructions"', 'restriction_ended = "care_tips"')
    assert "restriction_ended" in message


def test_must_see_takes_a_boolean(schedules):
    assert "must_see" in _failure(schedules, "must_see = true   # unopened", 'must_see = "yes"   # unopened')


def test_the_shipped_protocols_mark_the_early_checkins_the_appointment_and_the_closing_nudge():
    p = protocol()
    plan = plan_timeline(p, facts(PERFORMED), prefs("UTC"))
    assert sorted(r.plan_key for r in plan.reminders if r.must_see) == ["checkin:24h", "checkin:48h"]
    assert {r.category for r in plan.reminders} == {"care_instructions", "care_tips", "checkin_prompts"}
    course = plan_course(p.content, [Session(1, PERFORMED, 1, 3)], [], prefs("UTC"), History(), PERFORMED)
    assert [r.plan_key.rsplit(":", 1)[-1] for r in course if r.must_see] == ["closing"]
    assert {r.kind: r.category for r in course} == {
        "progress_checkin": "progress",
        "next_session": "maintenance",
        "maintenance": "maintenance",
    }


def test_a_clinic_may_turn_must_see_off_for_a_prompt():
    tuned = apply_overrides(
        protocol(), {"checkins": {"prompts": [{"after_hours": 24, "expires_after_hours": 12, "must_see": False}]}}
    )
    plan = plan_timeline(tuned, facts(PERFORMED), prefs("UTC"))
    assert not [r for r in plan.reminders if r.must_see]
