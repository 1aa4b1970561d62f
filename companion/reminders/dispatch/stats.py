"""What one dispatcher pass did, for its log line, heartbeat and `--once` summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from companion.reminders.models import PENDING, SENT


@dataclass
class PassStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    backed_off: int = 0
    expired: int = 0
    failed: int = 0
    undeliverable: int = 0
    lost: int = 0
    released: int = 0
    fenced: int = 0
    held: int = 0
    pushes: int = 0
    deactivated: int = 0
    operator_errors: int = 0
    batches: int = 0
    lag_ms: int | None = None
    duration_ms: int = 0
    handled: dict[str, int] = field(default_factory=dict)

    def count(self, status: str, n: int = 1) -> None:
        renamed: dict[str, str] = {SENT: "sent", PENDING: "retried"}
        attribute = renamed.get(status, status)
        setattr(self, attribute, getattr(self, attribute) + n)

    def lag(self, seconds: float) -> None:
        ms = int(seconds * 1000)
        self.lag_ms = ms if self.lag_ms is None else max(self.lag_ms, ms)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
