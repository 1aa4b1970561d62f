"""A clinic's webhook endpoint on 127.0.0.1 that records what it gets and answers as scripted."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from devtools.http_fake import FakeHandler, HttpFake


class WebhookReceiver(HttpFake):
    def __init__(self) -> None:
        super().__init__(_Handler, name="webhook-receiver")
        self.received: list[dict[str, Any]] = []
        self._statuses: deque[int] = deque()
        self.delay = 0.0  # seconds each answer is held back: a slow receiver
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return super().url + "/hooks/aftercare"

    def answer_next(self, *statuses: int) -> None:
        with self._lock:
            self._statuses.extend(statuses)

    def _record(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.received.append({"headers": headers, "body": body, "at": time.monotonic()})
            return self._statuses.popleft() if self._statuses else 204


class _Handler(FakeHandler):
    def do_POST(self) -> None:
        status = self.server.fake._record(dict(self.headers), self.body())
        time.sleep(self.server.fake.delay)
        self.reply(status, b"", "text/plain")
