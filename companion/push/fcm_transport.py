"""Many POSTs at once over one pooled aiohttp session, on one event loop thread.

The dispatcher is synchronous; it hands a whole batch to `post_many` and waits. The
loop thread is started on first use (and again after a fork), so no thread exists
per message and the connections stay open between batches.
"""
from __future__ import annotations

import asyncio
import os
import ssl
import threading
import urllib.request
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import aiohttp
import certifi


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class TransportError:
    """No HTTP answer. `connect` is True when the request surely never left (safe to resend)."""

    error: BaseException
    timed_out: bool
    connect: bool


class HttpPool:
    def __init__(self, *, timeout: float, max_in_flight: int, max_connections: int) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_in_flight = max(1, max_in_flight)
        self._max_connections = max(1, max_connections)
        # Proxy variables and ~/.netrc are re-read for every request when trust_env is
        # on; only pay for that where the environment asks for a proxy.
        self.trust_env = bool(urllib.request.getproxies())
        self._ssl = _ssl_context()
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None

    def post_many(self, url: str, headers: Mapping[str, str], bodies: list[bytes]) -> list[Answer | TransportError]:
        """One answer per body, in order; never raises for a single request's failure."""
        return self.submit(url, headers, bodies).result()

    def submit(self, url: str, headers: Mapping[str, str], bodies: list[bytes]) -> Future[list[Answer | TransportError]]:
        """Start posting now; the answers (one per body, in order) arrive in the future."""
        loop = self._running_loop()
        return asyncio.run_coroutine_threadsafe(self._post_many(url, dict(headers), bodies), loop)

    def close(self) -> None:
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
            if loop is None or thread is None or self._pid != os.getpid():
                return
            asyncio.run_coroutine_threadsafe(self._close_session(), loop).result(timeout=5)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._session = self._slots = None  # a forked child cannot use the parent's sockets
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="fcm-http", daemon=True)
                self._thread.start()
            return self._loop

    async def _post_many(self, url: str, headers: dict[str, str], bodies: list[bytes]) -> list[Any]:
        if self._session is None or self._slots is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, trust_env=self.trust_env,
            )
            self._slots = asyncio.Semaphore(self._max_in_flight)
        session, slots = self._session, self._slots
        return await asyncio.gather(*(self._post(session, slots, url, headers, body) for body in bodies))

    async def _post(
        self, session: aiohttp.ClientSession, slots: asyncio.Semaphore, url: str, headers: dict[str, str], body: bytes,
    ) -> Answer | TransportError:
        async with slots:
            for attempt in (1, 2):
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        return Answer(response.status, response.headers, await response.read())
                except aiohttp.ClientConnectorError as error:
                    # Nothing was sent: one more try, as the SDK's transport did.
                    if attempt == 2:
                        return TransportError(error, timed_out=False, connect=True)
                except asyncio.TimeoutError as error:  # aiohttp's timeouts subclass it
                    connect = isinstance(error, aiohttp.ConnectionTimeoutError)
                    return TransportError(error, timed_out=True, connect=connect)
                except aiohttp.ClientError as error:  # reset, dropped, garbled: may have arrived
                    return TransportError(error, timed_out=False, connect=False)
        raise AssertionError("unreachable")

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _ssl_context() -> ssl.SSLContext:
    """The CA bundle requests would use: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else certifi's."""
    cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    return ssl.create_default_context(cafile=cafile)
