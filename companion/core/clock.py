"""The one clock of the application.

Everything that asks "what time is it" goes through `clock.now()`, so tests can
freeze or move time without patching the standard library.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        frozen = self._frozen
        if frozen is not None:
            return frozen
        return datetime.now(UTC)

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("clock.freeze needs an aware datetime")
        with self._lock:
            self._frozen = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            if self._frozen is None:
                raise RuntimeError("advance() needs a frozen clock")
            self._frozen = self._frozen + delta

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = None


clock = Clock()


def utcnow() -> datetime:
    return clock.now()
