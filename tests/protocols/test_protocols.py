"""Protocol files: the clinical rules they carry, start-up validation, clinic overrides."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from companion.courses.planner import History, Session, plan_course
from companion.protocols.definition import localize
from companion.protocols.file_schema import REQUIRED_RESTRICTIONS, ProtocolOverrideSchema
from companion.protocols.registry import get_registry, init_protocols, load_directory
from companion.protocols.validation import ProtocolError, ProtocolOverrideError, apply_overrides
from companion.treatments.timeline import plan_timeline, validate_facts
from tests.treatments import KEYS, REGISTRY, SCHEDULES, facts, prefs, protocol

PERFORMED = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)


# --- the shipped files --------------------------------------------------------


def test_registry_holds_every_shipped_protocol_sorted():
    assert [p.key for p in REGISTRY.all()] == list(KEYS)
    assert REGISTRY.get("nope") is None


@pytest.mark.parametrize("key", KEYS)
def test_each_protocol_carries_every_rule_of_the_design_table(key):
    content = protocol(key).as_dict()
    hours = {kind: rule["hours"] for kind, rule in content["restrictions"].items()}
    assert hours["makeup"] == 24
    assert hours["sweating"] == 48
    assert hours["actives"] >= 168
    assert hours["exfoliation"] >= 168
    assert hours["sun"] >= 168
    assert content["restrictions"]["sun"]["spf"] >= 30
    assert content["hydration"]["for_hours"] >= 48 and len(content["hydration"]["slots"]) >= 2
    assert [p["after_hours"] for p in content["checkins"]["prompts"]] == [24, 48, 168]
    assert content["progress"]["months"] == [1, 2, 3, 4, 5, 6]
    series = content["series"]
    assert (series["recommended_min_sessions"], series["recommended_max_sessions"]) == (3, 6)
    assert (series["spacing_weeks_min"], series["spacing_weeks_max"]) == (4, 6)
    assert (content["maintenance"]["due_months"], content["maintenance"]["until_months"]) == (6, 12)
    assert {sign["key"] for sign in content["warning_signs"]} >= {"infection", "pigment_change", "scarring"}
    assert "clinic" in content["serious_signs"]["body"]["en"]
    assert content["treatment"]["max_planned_sessions"] == 6
    rows = content["expected_course"]["depth_table"]
    assert rows[0]["redness_hours"] <= 48 and rows[-1]["up_to_mm"] >= 3.0


@pytest.mark.parametrize("key", KEYS)
def test_every_text_is_in_english_and_spanish(key):
    def texts(node):
        if isinstance(node, dict):
            if "en" in node and all(isinstance(v, str) for v in node.values()):
                yield node
            else:
                for value in node.values():
                    yield from texts(value)
        elif isinstance(node, list):
            for value in node:
                yield from texts(value)

    found = list(texts(protocol(key).as_dict()))
    assert len(found) > 30
    assert all("es" in text and text["es"] != text["en"] for text in found)


def test_body_protocol_is_for_body_areas_and_deeper_needles():
    body, face = protocol("microneedling-body"), protocol("microneedling-face")
    assert {"abdomen", "thighs", "hips", "buttocks", "arms"} <= set(body.allowed_areas)
    assert "face" not in body.allowed_areas and "abdomen" not in face.allowed_areas
    assert body.content["treatment"]["typical_depth_mm"] > face.content["treatment"]["typical_depth_mm"]


def test_as_dict_is_json_and_summary_lists_key_title_description():
    face = protocol()
    assert json.loads(json.dumps(face.as_dict())) == face.as_dict()
    assert face.summary() == {
        "key": "microneedling-face",
        "title": face.as_dict()["title"],
        "description": face.as_dict()["description"],
    }


def test_protocol_cannot_be_changed_in_place():
    face = protocol()
    with pytest.raises(dataclasses.FrozenInstanceError):
        face.key = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        face.content["restrictions"]["makeup"]["hours"] = 1  # type: ignore[index]
    copy = face.as_dict()
    copy["restrictions"]["makeup"]["hours"] = 1
    assert face.as_dict()["restrictions"]["makeup"]["hours"] == 24


def test_init_protocols_stores_the_registry_on_the_app():
    app = Flask("protocols-test")
    app.config["SCHEDULES_DIR"] = str(SCHEDULES)
    init_protocols(app)
    with app.app_context():
        registry = get_registry()
        assert [p.key for p in registry.all()] == list(KEYS)
        assert registry.get("microneedling-face-prp") is not None


def test_locale_falls_back_from_region_to_language_to_english():
    text = {"en": "hello", "es": "hola", "es-mx": "qué onda"}
    assert localize(text, "es-MX") == "qué onda"
    assert localize(text, "es_AR") == "hola"
    assert localize(text, "fr-CA") == "hello"
    assert localize({"en": "hello", "es": "hola"}, "es-MX") == "hola"


# --- broken files fail start-up, naming file and field -----------------------


@pytest.fixture
def schedules(tmp_path: Path) -> Path:
    folder = tmp_path / "schedules"
    shutil.copytree(SCHEDULES, folder)
    return folder


def _edit(folder: Path, old: str, new: str, name: str = "microneedling-face.toml") -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _failure(folder: Path) -> str:
    with pytest.raises(ProtocolError) as caught:
        load_directory(folder)
    return str(caught.value)


def test_negative_window_names_file_and_field(schedules):
    _edit(schedules, "hours = 24   # open", "hours = -1   # open")
    assert _failure(schedules).startswith(
        "schedules/microneedling-face.toml: restrictions.makeup.hours: Must be greater than 0"
    )


def test_bad_depth_row_names_the_list_index(schedules):
    _edit(schedules, "{ up_to_mm = 1.0, redness_hours = 48", "{ up_to_mm = 1.0, redness_hours = -48")
    message = _failure(schedules)
    assert message.startswith("schedules/microneedling-face.toml: expected_course.depth_table.1.redness_hours: ")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'title = { en = "No makeup", es = "Sin maquillaje" }',
            'title = { en = "No makeup" }',
            "restrictions.makeup.title",
        ),
        ("spacing_weeks_max = 6", "spacing_weeks_max = 3", "series.spacing_weeks_max"),
        (
            'at = "09:00"\nexpires_after_hours = 4',
            'at = "9am"\nexpires_after_hours = 4',
            "restrictions.sun.daily_reminder.at",
        ),
        ("version = 1", "version = 1\ncolour = 'blue'", "colour"),
        ("for_hours = 72", "for_hours = 'three days'", "hydration.for_hours"),
        ("It has been {hours} hours since", "It has been {hourz} hours since", "restrictions.makeup.ended.body.en"),
        ("{ up_to_mm = 3.0,", "{ up_to_mm = 2.4,", "expected_course.depth_table"),
        ('key = "microneedling-face"', 'key = "something-else"', "key"),
    ],
)
def test_field_errors_name_file_and_path(schedules, old, new, field):
    _edit(schedules, old, new)
    assert _failure(schedules).startswith(f"schedules/microneedling-face.toml: {field}: ")


def test_missing_required_restriction_is_reported(schedules):
    path = schedules / "microneedling-body.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[restrictions.actives]")
    path.write_text(text[:start] + text[text.index("[restrictions.exfoliation]") :], encoding="utf-8")
    assert (
        _failure(schedules)
        == "schedules/microneedling-body.toml: restrictions: Missing required restriction(s): actives"
    )


def test_invalid_toml_is_reported_with_the_file(schedules):
    (schedules / "zz-broken.toml").write_text("key = \n", encoding="utf-8")
    assert _failure(schedules).startswith("schedules/zz-broken.toml: cannot read: ")


def test_empty_or_missing_directory_fails(tmp_path):
    assert "no *.toml" in _failure(tmp_path)
    assert "not found" in _failure(tmp_path / "absent")


def test_create_app_fails_on_a_broken_file(schedules):
    from companion import create_app

    _edit(schedules, "hours = 48   # sweat", "hours = 0   # sweat")
    with pytest.raises(ProtocolError, match=r"microneedling-face\.toml: restrictions\.sweating\.hours"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULES_DIR": str(schedules)})


# --- clinic overrides ----------------------------------------------------------


def _plan(p, **changes):
    return plan_timeline(p, facts(PERFORMED, **changes), prefs("UTC"))


def test_override_changes_windows_and_the_plan():
    base = protocol()
    tuned = apply_overrides(base, {"restrictions": {"makeup": {"hours": 36}, "sun": {"hours": 336}}})
    ends = {r.kind: r.ends_at - r.starts_at for r in _plan(tuned).restrictions}
    assert ends["makeup"].total_seconds() == 36 * 3600
    assert ends["sun"].days == 14
    assert base.content["restrictions"]["makeup"]["hours"] == 24  # the shared default is untouched
    detail = next(r.detail for r in _plan(tuned).restrictions if r.kind == "makeup")
    assert "36 hours" in detail


def test_override_replaces_lists_and_merges_texts_by_locale():
    tuned = apply_overrides(
        protocol(),
        {
            "hydration": {"slots": [{"name": "morning", "at": "08:30"}, {"name": "night", "at": "20:30"}]},
            "checkins": {"prompts": [{"after_hours": 12, "expires_after_hours": 6}]},
            "series": {"spacing_weeks_min": 5},
            "maintenance": {"due_months": 9},
            "expected_course": {"extra_hours": 12},
            "restrictions": {"makeup": {"title": {"en": "No makeup at all"}}},
        },
    )
    content = tuned.as_dict()
    assert [s["name"] for s in content["hydration"]["slots"]] == ["morning", "night"]
    assert content["restrictions"]["makeup"]["title"] == {"en": "No makeup at all", "es": "Sin maquillaje"}
    plan = _plan(tuned, session_number=1, planned_sessions=3)
    keys = {r.plan_key for r in plan.reminders}
    assert "checkin:12h" in keys and "checkin:24h" not in keys
    assert not any(k.endswith(":midday") for k in keys)
    course = plan_course(tuned.content, [Session(1, PERFORMED, 1, 3)], [], prefs("UTC"), History(), PERFORMED)
    next_session = next(r for r in course if r.kind == "next_session")
    assert (next_session.due_at - PERFORMED).days == 35 - 1  # 10:00 on the 35th day, before 14:00
    assert plan.expected_course.redness_hours == 48 + 12


def test_override_may_add_a_clinic_restriction():
    text = {"en": "x", "es": "y"}
    tuned = apply_overrides(
        protocol(),
        {
            "restrictions": {
                "swimming": {
                    "hours": 72,
                    "title": text,
                    "detail": text,
                    "ended": {"title": text, "body": text, "expires_after_hours": 6},
                }
            }
        },
    )
    assert "swimming" in {r.kind for r in _plan(tuned).restrictions}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"restrictions": {"makeup": {"hours": -5}}},
            {"restrictions": {"makeup": {"hours": ["Must be greater than 0 and less than or equal to 2880."]}}},
        ),
        ({"treatment": {"areas": ["toes"]}}, {"treatment": ["Unknown field."]}),
        ({"key": "x"}, {"key": ["Unknown field."]}),
        (
            {"series": {"spacing_weeks_max": 2}},
            {"series": {"spacing_weeks_max": ["Must be greater than spacing_weeks_min."]}},
        ),
        (
            {"hydration": {"slots": [{"name": "morning"}]}},
            {"hydration": {"slots": {"0": {"at": ["Missing data for required field."]}}}},
        ),
        ({"restrictions": {"swimming": {"hours": 24}}}, None),
        ({"restrictions": {"makeup": {"title": {"en": "{oops}"}}}}, None),
        ({"expected_course": {"depth_table": [{"up_to_mm": 1.0, "redness_hours": 24, "swelling_hours": 24}]}}, None),
    ],
)
def test_invalid_overrides_raise_with_fields(values, expected):
    with pytest.raises(ProtocolOverrideError) as caught:
        apply_overrides(protocol(), values)
    assert caught.value.status == 422 and caught.value.fields
    if expected is not None:
        assert caught.value.fields == expected


def test_override_schema_accepts_json_and_rejects_non_objects():
    assert ProtocolOverrideSchema().load({"maintenance": {"due_months": 8}}) == {"maintenance": {"due_months": 8}}
    with pytest.raises(ProtocolOverrideError):
        apply_overrides(protocol(), [1, 2])  # type: ignore[arg-type]


def test_required_restrictions_cannot_be_removed_by_overrides():
    assert set(REQUIRED_RESTRICTIONS) <= set(apply_overrides(protocol(), {"restrictions": {}}).content["restrictions"])


# --- facts validation -------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"needle_depth_mm": 0.2}, "needle_depth_mm"),
        ({"needle_depth_mm": 3.01}, "needle_depth_mm"),
        ({"area": "abdomen"}, "area"),
        ({"combined_with": ("botox",)}, "combined_with"),
        ({"session_number": 0}, "session_number"),
        ({"session_number": 4, "planned_sessions": 3}, "session_number"),
        ({"planned_sessions": 7}, "planned_sessions"),
        ({"planned_sessions": 0}, "planned_sessions"),
    ],
)
def test_validate_facts_reports_fields(changes, field):
    errors = validate_facts(protocol(), facts(PERFORMED, **changes))
    assert list(errors) == [field] and errors[field]


@pytest.mark.parametrize("depth", [0.5, 1.75, 2.5])
def test_validate_facts_accepts_the_depth_range(depth):
    assert validate_facts(protocol(), facts(PERFORMED, needle_depth_mm=depth, combined_with=("prp",))) == {}


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("depth", [0.25, 0.4, 2.6, 3.0])
def test_depth_outside_the_documented_range_names_the_range(key, depth):
    content = protocol(key).content
    errors = validate_facts(
        protocol(key), facts(PERFORMED, needle_depth_mm=depth, area=content["treatment"]["areas"][0])
    )
    assert errors["needle_depth_mm"][0].startswith("Must be between 0.5 and 2.5 mm")


def test_naive_performed_at_is_rejected():
    assert "performed_at" in validate_facts(protocol(), facts(datetime(2026, 5, 4, 14, 0)))
