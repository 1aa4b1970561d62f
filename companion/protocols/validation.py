"""Protocol data checked by the file schema: files at start-up, clinic overrides on save."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marshmallow import ValidationError

from companion.core.errors import Invalid
from companion.protocols.definition import Protocol, deep_merge, freeze
from companion.protocols.file_schema import ProtocolOverrideSchema, ProtocolSchema


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
    """ "restrictions.makeup.hours: Must be greater than 0; ..." for people reading logs."""
    return "; ".join(f"{path}: {text}" for path, text in _flatten(tidy_messages(messages)))


def build_protocol(data: Mapping[str, Any]) -> Protocol:
    """Validate plain data (a file's content or a stored snapshot); raises ValidationError."""
    loaded = ProtocolSchema().load(data)
    return Protocol(key=loaded["key"], content=freeze(loaded))


def apply_overrides(protocol: Protocol, values: Mapping[str, Any]) -> Protocol:
    """The protocol as one clinic applies it; its instructions win over the defaults."""
    if not isinstance(values, Mapping):
        raise ProtocolOverrideError({"_schema": ["Must be an object."]})
    try:
        patch = ProtocolOverrideSchema().load(values)
    except ValidationError as err:
        raise ProtocolOverrideError(tidy_messages(err.messages)) from None
    try:
        return build_protocol(deep_merge(protocol.as_dict(), patch))
    except ValidationError as err:
        raise ProtocolOverrideError(tidy_messages(err.messages)) from None
