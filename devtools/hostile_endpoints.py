"""Webhook endpoints on 127.0.0.1 that misbehave: one trickles its answer, one answers without end."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any


class HostileEndpoint:
    """mode "trickle": one byte of a status line every `interval` seconds, never finishing;
    mode "oversized": a 200 announcing 400 MB and streaming zeros until the caller hangs up;
    mode "silent": reads the request and never answers (a black hole that accepted the connection)."""

    def __init__(self, mode: str, interval: float = 0.2) -> None:
        self.mode, self.interval = mode, interval
        self.requests = 0
        self.bytes_sent = 0
        self.hung_up = threading.Event()  # an answer ended: the caller closed, or it was all sent
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                conn.recv(65536)
                self.requests += 1
                if self.mode == "silent":
                    self._stop.wait()
                elif self.mode == "trickle":
                    for byte in b"HTTP/1.1 200 OK\r\n" * 1000:
                        if self._stop.is_set():
                            return
                        conn.sendall(bytes([byte]))
                        self.bytes_sent += 1
                        time.sleep(self.interval)
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 400000000\r\n\r\n")
                    chunk = b"0" * 65536
                    while not self._stop.is_set() and self.bytes_sent < 400_000_000:
                        conn.sendall(chunk)
                        self.bytes_sent += len(chunk)
            except OSError:
                return
            finally:
                self.hung_up.set()

    def __enter__(self) -> HostileEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()
