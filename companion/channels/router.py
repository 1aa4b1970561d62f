"""One sender for the dispatcher, several underneath: browser subscriptions go to Web Push,
SMS and e-mail to their senders, phones to the configured native sender (fcm or log).

Every part is put on the wire before any is waited for, so the channels travel side by
side. Results keep the order of the messages; each result not from the native sender names
its backend, so delivery rows say which service answered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from companion.channels.base import PushMessage, PushResult, PushSender, Results, start
from companion.channels.webpush_subscription import WEBPUSH_KIND


class PushRouter:
    def __init__(self, native: PushSender, web: PushSender, contact: Mapping[str, PushSender] | None = None) -> None:
        self.native, self.web = native, web
        # identifier kind -> sender, for every kind that is not a phone
        self.lanes: dict[str, PushSender] = {WEBPUSH_KIND: web, **(contact or {})}
        self.name = native.name

    @property
    def trust_env(self) -> bool:
        return bool(getattr(self.native, "trust_env", False))

    def close(self) -> None:
        for sender in {id(s): s for s in (self.native, *self.lanes.values())}.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        parts: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            lane = message.identifier_kind if message.identifier_kind in self.lanes else ""
            parts.setdefault(lane, []).append(index)
        if set(parts) <= {""}:
            return start(self.native, messages)
        # Phones first: FCM's requests are on the wire while the others are prepared.
        started: list[tuple[list[int], Results, str | None]] = []
        for lane in sorted(parts, key=bool):
            sender = self.lanes[lane] if lane else self.native
            started.append(
                (parts[lane], start(sender, [messages[i] for i in parts[lane]]), sender.name if lane else None)
            )

        def collect() -> list[PushResult]:
            merged: list[PushResult | None] = [None] * len(messages)
            for indexes, results, backend in started:
                for index, result in zip(indexes, results(), strict=True):
                    merged[index] = dataclasses.replace(result, backend=backend) if backend else result
            return [r for r in merged if r is not None]

        return collect
