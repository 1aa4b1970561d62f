"""What the HTTP fakes (FCM, Web Push, Twilio, a clinic's webhook) share: a threaded server on
127.0.0.1 serving on a background thread, quiet about clients that hang up, stopped cleanly.

Each fake keeps only its service's rules; a handler finds its fake as `self.server.fake`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a client may open hundreds of connections at once
    fake: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are part of the tests, not failures."""


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients' connection pools expect
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, data: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class HttpFake:
    """A fake service's lifecycle: `start()`/`stop()` or a `with` block; `url` is its origin."""

    def __init__(self, handler: type[FakeHandler], host: str = "127.0.0.1", port: int = 0, *, name: str) -> None:
        self._httpd = FakeHTTPServer((host, port), handler)
        self._httpd.fake = self
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
