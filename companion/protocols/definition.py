"""A protocol as the timeline engine reads it: validated data, frozen, no framework.

Loading and validating files and clinic overrides lives in `validation.py`; the
Flask-side registry in `registry.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from companion.core.i18n import negotiate


def localize(text: Mapping[str, str], locale: str) -> str:
    """Best text for a locale: "es-MX" falls back to "es", then to English."""
    return text[negotiate(locale, text)]


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; lists and values replace (a clinic restates a whole schedule)."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
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
        thawed: dict[str, Any] = _thaw(self.content)
        return thawed

    def summary(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": _thaw(self.content["title"]),
            "description": _thaw(self.content["description"]),
        }
