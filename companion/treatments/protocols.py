"""Protocols are data files in schedules/, loaded and validated once at start-up.

A broken file must stop the app with a message naming the file and the field,
rather than plan a wrong aftercare timeline for a patient later.
"""
from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app
from marshmallow import ValidationError

from companion.core.errors import Invalid
from companion.treatments.protocol_schema import ProtocolOverrideSchema, ProtocolSchema

EXTENSION_KEY = "companion.protocols"
FALLBACK_LOCALE = "en"


class ProtocolError(Exception):
    """A protocol file (or stored protocol) is not valid; raised at start-up."""


class ProtocolOverrideError(Invalid):
    """A clinic's override does not validate; `.fields` holds marshmallow-style messages."""

    def __init__(self, fields: dict[str, Any]):
        super().__init__("The protocol override has invalid fields.", fields=fields, code="invalid_override")


def tidy_messages(messages: Any) -> Any:
    """Drop marshmallow's {"value": ...} layer under table entries, so paths match the data."""
    if not isinstance(messages, dict):
        return messages
    if set(messages) == {"value"}:
        return tidy_messages(messages["value"])
    return {str(key): tidy_messages(value) for key, value in messages.items()}


def _flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            yield from _flatten(value, path)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix or "(file)", str(messages).rstrip(".")


def describe_errors(messages: Any) -> str:
    """"restrictions.makeup.hours: Must be greater than 0; ..." for people reading logs."""
    return "; ".join(f"{path}: {text}" for path, text in _flatten(tidy_messages(messages)))


def localize(text: Mapping[str, str], locale: str) -> str:
    """Best text for a locale: "es-MX" falls back to "es", then to English."""
    tag = locale.strip().replace("_", "-").lower()
    while tag:
        if tag in text:
            return text[tag]
        tag = tag.rpartition("-")[0]
    return text[FALLBACK_LOCALE]


def _deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; lists and values replace (a clinic restates a whole schedule)."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


@dataclass(frozen=True, eq=False)
class Protocol:
    """One validated protocol; read-only so a shared registry cannot be altered by a request."""

    key: str
    content: Mapping[str, Any]

    @property
    def allowed_areas(self) -> tuple[str, ...]:
        return tuple(self.content["treatment"]["areas"])

    @property
    def allowed_combined(self) -> tuple[str, ...]:
        return tuple(self.content["treatment"]["combined_with"])

    def as_dict(self) -> dict[str, Any]:
        return _thaw(self.content)

    def summary(self) -> dict[str, Any]:
        return {"key": self.key, "title": _thaw(self.content["title"]), "description": _thaw(self.content["description"])}

    def with_overrides(self, values: Mapping[str, Any]) -> Protocol:
        """The protocol as one clinic applies it; its instructions win over the defaults."""
        if not isinstance(values, Mapping):
            raise ProtocolOverrideError({"_schema": ["Must be an object."]})
        try:
            patch = ProtocolOverrideSchema().load(values)
        except ValidationError as err:
            raise ProtocolOverrideError(tidy_messages(err.messages)) from None
        try:
            return build_protocol(_deep_merge(self.as_dict(), patch))
        except ValidationError as err:
            raise ProtocolOverrideError(tidy_messages(err.messages)) from None


def build_protocol(data: Mapping[str, Any]) -> Protocol:
    """Validate plain data (a file's content or a stored snapshot); raises ValidationError."""
    loaded = ProtocolSchema().load(data)
    return Protocol(key=loaded["key"], content=_freeze(loaded))


class ProtocolRegistry:
    def __init__(self, protocols: list[Protocol]):
        self._by_key = {protocol.key: protocol for protocol in sorted(protocols, key=lambda p: p.key)}

    def get(self, key: str) -> Protocol | None:
        return self._by_key.get(key)

    def all(self) -> list[Protocol]:
        return list(self._by_key.values())


def load_file(path: Path, shown_as: str) -> Protocol:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ProtocolError(f"{shown_as}: cannot read: {err}") from None
    try:
        protocol = build_protocol(data)
    except ValidationError as err:
        raise ProtocolError(f"{shown_as}: {describe_errors(err.messages)}") from None
    if protocol.key != path.stem:
        raise ProtocolError(f"{shown_as}: key: Must match the file name ({path.stem!r})")
    return protocol


def load_directory(directory: str | Path) -> ProtocolRegistry:
    folder = Path(directory)
    if not folder.is_dir():
        raise ProtocolError(f"{folder.name}: protocol directory not found (SCHEDULES_DIR)")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ProtocolError(f"{folder.name}: no *.toml protocol files")
    return ProtocolRegistry([load_file(path, f"{folder.name}/{path.name}") for path in files])


def init_protocols(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = load_directory(app.config["SCHEDULES_DIR"])


def get_registry() -> ProtocolRegistry:
    return current_app.extensions[EXTENSION_KEY]
