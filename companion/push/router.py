"""One sender for the dispatcher, two underneath: browser subscriptions go to Web Push,
phones to the configured native sender (fcm or log).

Both parts are put on the wire before either is waited for, so web pushes and FCM
pushes travel side by side. Results keep the order of the messages; each web result
names its backend, so delivery rows say which service answered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from companion.push.base import PushMessage, PushResult, PushSender, start
from companion.push.webpush_subscription import WEBPUSH_KIND


class PushRouter:
    def __init__(self, native: PushSender, web: PushSender) -> None:
        self.native, self.web = native, web
        self.name = native.name

    @property
    def trust_env(self) -> bool:
        return bool(getattr(self.native, "trust_env", False))

    def close(self) -> None:
        for sender in (self.native, self.web):
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        web = [i for i, m in enumerate(messages) if m.identifier_kind == WEBPUSH_KIND]
        if not web:
            return start(self.native, messages)
        native = [i for i, m in enumerate(messages) if m.identifier_kind != WEBPUSH_KIND]
        # Phones first: FCM's requests are on the wire while the browsers' pushes are encrypted.
        native_results = start(self.native, [messages[i] for i in native]) if native else None
        web_results = start(self.web, [messages[i] for i in web])
        backend = self.web.name

        def collect() -> list[PushResult]:
            merged: list[PushResult | None] = [None] * len(messages)
            if native_results is not None:
                for index, result in zip(native, native_results(), strict=True):
                    merged[index] = result
            for index, result in zip(web, web_results(), strict=True):
                merged[index] = dataclasses.replace(result, backend=backend)
            return [r for r in merged if r is not None]

        return collect
