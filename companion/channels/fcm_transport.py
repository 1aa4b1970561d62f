"""Many POSTs at once over one pooled aiohttp session, on one event loop thread.

The dispatcher is synchronous; it hands bodies to `submit` and collects a future. A
fixed set of worker tasks (as many as requests may be in flight) takes the next body
from one queue, so a message costs no task, no semaphore and no thread of its own.
The loop thread is started on first use (and again after a fork), and the connections
stay open between batches.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import ssl
import threading
import urllib.request
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import cast

import aiohttp
import certifi


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class TransportError:
    """No HTTP answer. `connect` is True when the request surely never left (safe to resend)."""

    error: BaseException
    timed_out: bool
    connect: bool


class _Job:
    """One `submit` call: its bodies, their answers so far, and the future to complete.

    `targets` gives each body its own URL and headers (Web Push: one endpoint per browser).
    """

    __slots__ = ("url", "headers", "bodies", "targets", "answers", "left", "future")

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        bodies: list[bytes],
        targets: list[tuple[str, dict[str, str]]] | None = None,
    ) -> None:
        self.url, self.headers, self.bodies, self.targets = url, headers, bodies, targets
        self.answers: list[HttpAnswer | TransportError | None] = [None] * len(bodies)
        self.left = len(bodies)
        self.future: Future[list[HttpAnswer | TransportError]] = Future()

    def answer(self, index: int, answer: HttpAnswer | TransportError) -> None:
        self.answers[index] = answer
        self.left -= 1
        if self.left == 0:
            self.future.set_result(cast("list[HttpAnswer | TransportError]", self.answers))  # every slot is filled now


class HttpPool:
    def __init__(
        self,
        *,
        timeout: float,
        max_in_flight: int,
        max_connections: int,
        thread_name: str = "fcm-http",
        follow_redirects: bool = True,
    ) -> None:
        self._thread_name = thread_name
        self._follow_redirects = follow_redirects
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_in_flight = max(1, max_in_flight)
        self._max_connections = max(1, max_connections)
        # Proxy variables and ~/.netrc are re-read for every request when trust_env is
        # on; only pay for that where the environment asks for a proxy.
        self.trust_env = bool(urllib.request.getproxies())
        self._ssl = ssl_context()
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[tuple[_Job, int]] | None = None
        self._workers: list[asyncio.Task[None]] = []

    def submit(
        self, url: str, headers: Mapping[str, str], bodies: list[bytes]
    ) -> Future[list[HttpAnswer | TransportError]]:
        """Start posting now; the answers (one per body, in order) arrive in the future."""
        return self._start(_Job(url, dict(headers), bodies))

    def submit_each(
        self, requests: list[tuple[str, dict[str, str], bytes]]
    ) -> Future[list[HttpAnswer | TransportError]]:
        """As `submit`, each request with its own URL and headers."""
        targets = [(url, headers) for url, headers, _ in requests]
        return self._start(_Job("", {}, [body for _, _, body in requests], targets))

    def _start(self, job: _Job) -> Future[list[HttpAnswer | TransportError]]:
        if not job.bodies:
            job.future.set_result([])
            return job.future
        self._running_loop().call_soon_threadsafe(self._enqueue, job)
        return job.future

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
                self._session, self._queue, self._workers = (
                    None,
                    None,
                    [],
                )  # a forked child cannot use the parent's sockets
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name=self._thread_name, daemon=True)
                self._thread.start()
            return self._loop

    def _enqueue(self, job: _Job) -> None:
        if self._queue is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout, trust_env=self.trust_env)
            self._queue = asyncio.Queue()
            self._workers = [
                asyncio.ensure_future(self._work(self._session, self._queue)) for _ in range(self._max_in_flight)
            ]
        for entry in zip(itertools.repeat(job), range(len(job.bodies))):
            self._queue.put_nowait(entry)

    async def _work(self, session: aiohttp.ClientSession, queue: asyncio.Queue[tuple[_Job, int]]) -> None:
        while True:
            job, index = await queue.get()
            url, headers = (job.url, job.headers) if job.targets is None else job.targets[index]
            try:
                answer = await self._post(session, url, headers, job.bodies[index])
            except Exception as error:  # an aiohttp bug must not leave the batch waiting forever
                answer = TransportError(error, timed_out=False, connect=False)
            job.answer(index, answer)

    async def _post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        body: bytes,
    ) -> HttpAnswer | TransportError:
        for attempt in (1, 2):
            try:
                async with session.post(
                    url, data=body, headers=headers, allow_redirects=self._follow_redirects
                ) as response:
                    return HttpAnswer(response.status, response.headers, await response.read())
            except aiohttp.ClientConnectorError as error:
                # Nothing was sent: one more try, as the SDK's transport did.
                if attempt == 2:
                    return TransportError(error, timed_out=False, connect=True)
            except TimeoutError as error:  # aiohttp's timeouts subclass it
                connect = isinstance(error, aiohttp.ConnectionTimeoutError)
                return TransportError(error, timed_out=True, connect=connect)
            except aiohttp.ClientError as error:  # reset, dropped, garbled: may have arrived
                return TransportError(error, timed_out=False, connect=False)
        raise AssertionError("unreachable")

    async def _close_session(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers, self._queue = [], None
        if self._session is not None:
            await self._session.close()
            self._session = None


def ssl_context() -> ssl.SSLContext:
    """The CA bundle requests would use: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else certifi's."""
    cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    return ssl.create_default_context(cafile=cafile)
