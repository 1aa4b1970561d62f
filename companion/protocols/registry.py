"""The protocols of one app, loaded from `SCHEDULES_DIR` once at start-up.

A broken file must stop the app with a message naming the file and the field,
rather than plan a wrong aftercare timeline for a patient later.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import Flask, current_app
from marshmallow import ValidationError

from companion.protocols.definition import Protocol
from companion.protocols.validation import ProtocolError, build_protocol, describe_errors

EXTENSION_KEY = "companion.protocols"


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
    registry: ProtocolRegistry = current_app.extensions[EXTENSION_KEY]
    return registry


def protocol_keys() -> list[str]:
    """The keys a treatment may name, for the API document's `enum`."""
    return [protocol.key for protocol in get_registry().all()]
