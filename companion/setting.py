"""One COMPANION_* setting: how it is declared (name, type, default, one line of docs) and read.

companion/config.py declares every setting with these; docs/configuration.md is generated from them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PREFIX = "COMPANION_"
TRUE_WORDS = ("1", "true", "yes", "on")


def read(name: str) -> str | None:
    """The variable's text; an empty value counts as unset."""
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Setting:
    """One COMPANION_* variable: its name, type, default and what it changes."""

    name: str  # without the COMPANION_ prefix
    kind: type  # str, int, float or bool
    default: Any  # a value, or a Computed default
    doc: str  # one line, shown in docs/configuration.md

    @property
    def variable(self) -> str:
        return PREFIX + self.name

    def value(self, instance_path: str) -> Any:
        text = read(self.name)
        if text is None:
            return self.default(instance_path) if isinstance(self.default, Computed) else self.default
        if self.kind is bool:
            return text.strip().lower() in TRUE_WORDS
        return self.kind(text)


@dataclass(frozen=True)
class Computed:
    """A default worked out at start-up (from the instance folder or other variables); `shown` is how docs read it."""

    compute: Callable[[str], Any]
    shown: str

    def __call__(self, instance_path: str) -> Any:
        return self.compute(instance_path)


def text(name: str, default: Any = None, doc: str = "") -> Setting:
    return Setting(name, str, default, doc)


def integer(name: str, default: int | Computed, doc: str = "") -> Setting:
    return Setting(name, int, default, doc)


def number(name: str, default: float | Computed, doc: str = "") -> Setting:
    return Setting(name, float, default, doc)


def flag(name: str, default: bool, doc: str = "") -> Setting:
    return Setting(name, bool, default, doc)
