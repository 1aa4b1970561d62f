"""A push service stand-in that answers per device as a test scripts it.

It sits where FCM sits (behind the PushSender interface) and records what it
was asked to send, so tests can assert on the wire-level messages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from companion.channels.base import SENT, PushMessage, PushResult


@dataclass
class ScriptedPushService:
    name: str = "scripted"
    # identifier -> list of (outcome, error_code, retry_after) consumed one per attempt; then SENT
    script: dict[str, list[tuple[str, str | None, float | None]]] = field(default_factory=dict)
    received: list[PushMessage] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)

    def answer(self, identifier: str, *outcomes: tuple[str, str | None, float | None]) -> None:
        self.script.setdefault(identifier, []).extend(outcomes)

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        self.calls.append(len(messages))
        results = []
        for message in messages:
            self.received.append(message)
            queue = self.script.get(message.identifier) or []
            if queue:
                outcome, code, retry_after = queue.pop(0)
                results.append(PushResult(message.device_id, outcome, error_code=code, retry_after=retry_after))
            else:
                results.append(
                    PushResult(message.device_id, SENT, message_id=f"projects/test/messages/{uuid.uuid4().hex}")
                )
        return results

    def to(self, identifier: str) -> list[PushMessage]:
        return [m for m in self.received if m.identifier == identifier]
