"""Every body the SDK sends for us must fit Google's published FCM v1 schema.

The schema is the discovery document shipped in google-api-python-client. The SDK
writes proto field names (snake_case) and lower-case enums; FCM accepts both spellings,
so keys are compared camelCased and enums case-insensitively. Map fields (data,
headers, the APNs payload) hold caller keys and are not renamed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from companion.channels.base import PushMessage
from companion.channels.fcm import FcmSender

DURATION = re.compile(r"^\d+(\.\d{1,9})?s$")


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    document = resources.files("googleapiclient") / "discovery_cache/documents/fcm.v1.json"
    return json.loads(document.read_text())["schemas"]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def violations(value: Any, spec: dict[str, Any], schemas: dict[str, Any], path: str = "") -> list[str]:
    """Every place where value does not fit spec (a discovery-document schema node)."""
    if "$ref" in spec:
        spec = schemas[spec["$ref"]]
    kind = spec.get("type")
    if kind == "any":
        return []
    if kind == "object" and "properties" in spec:
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        found: list[str] = []
        for key, item in value.items():
            field = spec["properties"].get(camel(key))
            if field is None:
                found.append(f"{path}.{key}: unknown field")
            else:
                found += violations(item, field, schemas, f"{path}.{key}")
        return found
    if kind == "object":  # a map: caller-chosen keys, typed values
        if not isinstance(value, dict):
            return [f"{path}: expected a map"]
        inner = spec.get("additionalProperties", {"type": "any"})
        return [v for key, item in value.items() for v in violations(item, inner, schemas, f"{path}[{key}]")]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [v for i, item in enumerate(value) for v in violations(item, spec["items"], schemas, f"{path}[{i}]")]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: expected an integer"]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string"]
        if "enum" in spec and value.upper() not in spec["enum"]:
            return [f"{path}: {value!r} not one of {spec['enum']}"]
        if spec.get("format") == "google-duration" and not DURATION.match(value):
            return [f"{path}: {value!r} is not a duration"]
        return []
    return [f"{path}: schema type {kind!r} not handled by this validator"]


def _messages() -> list[PushMessage]:
    soon = datetime.now(UTC) + timedelta(hours=3)
    out = []
    for n, (platform, kind, priority) in enumerate(
        [
            ("android", "fid", "high"),
            ("android", "token", "normal"),
            ("ios", "fid", "high"),
            ("ios", "token", "normal"),
            ("web", "fid", "high"),
            ("watch", "token", "normal"),
        ]
    ):
        out.append(
            PushMessage(
                reminder_id=n,
                device_id=n,
                identifier=f"{kind}-{n}",
                identifier_kind=kind,
                platform=platform,
                title="Aftercare reminder",
                body="Ouvrez l'app · 打开应用",
                data={"reminder_id": str(n), "kind": "rule"},
                priority=priority,
                expires_at=soon,
                collapse_key=f"reminder-{n}",
                thread_id="treatment-1",
            )
        )
    return out


def test_every_body_sent_fits_the_fcm_v1_schema(fake_fcm, fcm_config, schemas):
    sender = FcmSender.from_config(fcm_config)
    try:
        sender.send(_messages())
    finally:
        sender.close()
    bodies = fake_fcm.bodies()
    assert len(bodies) == len(_messages())
    for body in bodies:
        assert violations(body, {"$ref": "SendMessageRequest"}, schemas) == [], body


def test_the_validator_rejects_what_fcm_would(schemas):
    """Guards against a validator that accepts everything."""
    bad = {
        "message": {"fid": "x", "android": {"priority": "urgent", "ttl": "3 hours", "colour": "red"}, "data": {"n": 1}}
    }
    found = violations(bad, {"$ref": "SendMessageRequest"}, schemas)
    assert any("priority" in v for v in found)
    assert any("ttl" in v for v in found)
    assert any("colour: unknown field" in v for v in found)
    assert any("data[n]" in v for v in found)
