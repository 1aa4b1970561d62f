"""The protocol values a clinic tunes most, as rows a person reads and edits: each
restriction's hours (and SPF), hydration, session spacing, maintenance, appointment
reminders and the expected course by needle depth. Pure: the Settings page draws its
table from `value_rows`, its form becomes an override with `merge_form`, and the
protocols service validates that override exactly as it validates the API's."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Path = tuple[str | int, ...]

_FIXED: tuple[tuple[Path, str], ...] = (
    (("hydration", "for_hours"), "hours"),
    (("series", "spacing_weeks_min"), "weeks"),
    (("series", "spacing_weeks_max"), "weeks"),
    (("maintenance", "due_months"), "months"),
    (("maintenance", "until_months"), "months"),
    (("appointments", "remind_days_before"), "days"),
)


def _paths(protocol: Mapping[str, Any]) -> list[tuple[Path, str]]:
    paths: list[tuple[Path, str]] = []
    for name, rule in protocol["restrictions"].items():
        paths.append((("restrictions", name, "hours"), "hours"))
        if "spf" in rule:
            paths.append((("restrictions", name, "spf"), "spf"))
    paths.extend(_FIXED)
    for index in range(len(protocol["expected_course"]["depth_table"])):
        for name in ("redness_hours", "swelling_hours"):
            paths.append((("expected_course", "depth_table", index, name), "hours"))
    return paths


def field_name(path: Path) -> str:
    """ "expected_course.depth_table.0.redness_hours": the form's name, and the path an error names."""
    return ".".join(map(str, path))


def _get(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list | tuple) or part >= len(data):
                return None
        elif not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def value_rows(
    default: Mapping[str, Any], overrides: Mapping[str, Any], applied: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One row per value: the protocol's default, the clinic's own (None: none), what applies."""
    return [
        {
            "path": path,
            "name": field_name(path),
            "unit": unit,
            "default": _get(default, path),
            "clinic": _get(overrides, path),
            "applied": _get(applied, path),
        }
        for path, unit in _paths(applied)
    ]


def _set(data: dict[str, Any], path: Path, value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(str(part), {})
    data[str(path[-1])] = value


def _remove(data: dict[str, Any], path: Path) -> None:
    """Drop a value and the tables it leaves empty."""
    parent = _get(data, path[:-1])
    if isinstance(parent, dict):
        parent.pop(str(path[-1]), None)
        if not parent and len(path) > 1:
            _remove(data, path[:-1])


def merge_form(
    default: Mapping[str, Any], overrides: Mapping[str, Any], applied: Mapping[str, Any], typed: Mapping[str, Any]
) -> dict[str, Any]:
    """The clinic's override after the form: a value left empty or equal to the default is
    no override; the override's other parts (texts set through the API) stay. A list (the
    depth table) is restated whole, as overrides replace lists."""
    result: dict[str, Any] = copy.deepcopy(dict(overrides))
    lists: dict[Path, list[dict[str, Any]]] = {}
    for path, _unit in _paths(applied):
        name = field_name(path)
        if name not in typed:
            continue
        value = typed[name]
        at = next((i for i, part in enumerate(path) if isinstance(part, int)), None)
        if at is None:
            if value is None or value == _get(default, path):
                _remove(result, path)
            else:
                _set(result, path, value)
            continue
        head = path[:at]
        rows = lists.setdefault(head, [dict(row) for row in _get(applied, head)])
        fallback = _get(default, path)
        rows[int(path[at])][str(path[-1])] = value if value is not None or fallback is None else fallback
    for head, rows in lists.items():
        if rows == [dict(row) for row in _get(default, head) or []]:
            _remove(result, head)
        else:
            _set(result, head, rows)
    return result
