"""The pages' forms read into the shapes the API's schemas take, so the app accepts exactly
what /v1/me accepts and shows the same messages next to each field."""

from __future__ import annotations

import logging
from typing import Any

from werkzeug.datastructures import MultiDict

from companion.channels.vapid import application_server_key
from companion.checkins.symptoms import RED_FLAGS, SYMPTOMS
from companion.patients.categories import ALWAYS_ON, CATEGORIES

log = logging.getLogger(__name__)


def _rating(value: str | None) -> Any:
    """Radio values are "0".."3"; anything else passes through so the schema names the field."""
    if value is None or value == "":
        return 0
    return int(value) if value.isdigit() else value


def checkin_data(form: MultiDict[str, str]) -> dict[str, Any]:
    note = (form.get("note") or "").strip()
    return {
        "ratings": {name: _rating(form.get(f"ratings.{name}")) for name in SYMPTOMS},
        "red_flags": {name: form.get(f"red_flags.{name}") in ("on", "1", "true") for name in RED_FLAGS},
        "note": note or None,
    }


def settings_data(form: MultiDict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("locale", "timezone"):
        value = (form.get(name) or "").strip()
        if value:
            data[name] = value
    start, end = (form.get("quiet_start") or "").strip(), (form.get("quiet_end") or "").strip()
    if start or end:
        data["quiet_hours"] = {"start": start, "end": end}
    if form.get("categories_shown"):  # an unticked box sends nothing: only a form that showed them decides
        data["categories"] = {
            name: form.get(f"categories.{name}") == "on" for name in CATEGORIES if name not in ALWAYS_ON
        }
    return data


def field_errors(messages: Any, prefix: str = "") -> dict[str, str]:
    """{"ratings": {"pain": ["..."]}} → {"ratings.pain": "..."} for the template."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_form"] = " ".join(messages)
    elif isinstance(messages, list):
        for item in messages:
            flat.update(field_errors(item, prefix))
    else:
        flat[prefix or "_form"] = str(messages)
    return flat


def push_key() -> str | None:
    """The VAPID public key the browser subscribes with; None when it cannot be read."""
    try:
        key: str = application_server_key()
    except Exception:  # a missing or unreadable key must not take the settings page down
        log.exception("Web Push key unavailable")
        return None
    return key
