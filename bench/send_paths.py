"""The send paths measured without a database: firebase-admin's own, and the bare async client.

- `raw_send_each`: firebase-admin `messaging.send_each` (requests, one thread per message,
  chunks of 500), tuned as the project's sender used to run it: a pool of 500
  connections, no proxy lookups. What the SDK's send path can do.
- `ceiling`: aiohttp alone, as many workers and keep-alive connections as our sender keeps
  in flight by default (`COMPANION_FCM_MAX_IN_FLIGHT`, 200), each taking the next
  message, building and encoding it with firebase-admin and posting it; no loop-thread
  hand-off, no result mapping, no database. What any dispatcher on this client can at best reach.
- `web_sender_alone`: the Web Push sender with the same pushes as browsers' (encrypted,
  VAPID-signed), no database.
All are timed from the first message built to the last answer, with CPU from getrusage.
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid
from collections.abc import Iterator
from typing import Any

from companion.channels.base import DEFAULT_IN_FLIGHT
from devtools.sink import Sink


class Meter:
    """Wall time and this process's CPU (all threads) between start() and stop()."""

    def start(self) -> Meter:
        self._wall, self._cpu = time.perf_counter(), _cpu()
        return self

    def stop(self, pushes: int, **extra: Any) -> dict[str, Any]:
        seconds = time.perf_counter() - self._wall
        cpu = _cpu() - self._cpu
        return {
            "pushes": pushes,
            "seconds": seconds,
            "rate": pushes / seconds,
            "cpu_seconds": cpu,
            "cpu_us_per_push": cpu / max(pushes, 1) * 1e6,
            **extra,
        }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sdk_app(sink: Sink, *, tuned: bool = True) -> Any:
    """A firebase-admin app whose messaging service posts to the sink.

    `tuned`: a connection pool of 500 and no per-request proxy lookups (the project's
    former settings); otherwise the SDK's defaults. Private attributes, bench only.
    """
    import firebase_admin
    import requests.adapters
    from firebase_admin import credentials, messaging

    certificate = credentials.Certificate(str(sink.credentials))
    app = firebase_admin.initialize_app(
        certificate, options={"projectId": certificate.project_id}, name=f"bench-{uuid.uuid4().hex}"
    )
    service = messaging._get_messaging_service(app)
    service._fcm_url = f"{sink.url}/v1/projects/{app.project_id}/messages:send"
    session = service._client.session
    credential = service._credential
    if hasattr(credential, "_is_regional_access_boundary_lookup_required"):  # nothing but the sink is contacted
        credential._is_regional_access_boundary_lookup_required = lambda: False
    if sink.certificate is not None:
        session.verify = str(sink.certificate)
    if tuned:
        session.mount(sink.url, requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=500))
        session.trust_env = False
    return app


def warm_up(app: Any, message: Any) -> None:
    """Token and first connections outside the timing."""
    from firebase_admin import messaging

    from companion.channels.fcm_message import build_message

    messaging.send(build_message(message), app=app)


def raw_send_each(sink: Sink, messages: list[Any]) -> dict[str, Any]:
    import firebase_admin
    from firebase_admin import messaging

    from companion.channels.fcm_message import build_message

    app = sdk_app(sink)
    try:
        warm_up(app, messages[0])
        meter = Meter().start()
        sent = errors = 0
        for start in range(0, len(messages), 500):
            batch = messaging.send_each([build_message(m) for m in messages[start : start + 500]], app=app)
            sent += batch.success_count
            errors += batch.failure_count
        return meter.stop(sent, errors=errors)
    finally:
        firebase_admin.delete_app(app)


def ceiling(sink: Sink, messages: list[Any], connections: int = DEFAULT_IN_FLIGHT) -> dict[str, Any]:
    import aiohttp
    from firebase_admin import messaging

    from companion.channels.fcm_message import build_message, encode

    app = sdk_app(sink)
    credential = app.credential.get_credential()
    warm_up(app, messages[0])  # the token
    headers = {
        "Authorization": f"Bearer {credential.token}",
        "Content-Type": "application/json",
        **messaging._get_messaging_service(app)._fcm_headers,
    }
    url = f"{sink.url}/v1/projects/{app.project_id}/messages:send"

    async def run() -> dict[str, Any]:
        connector = aiohttp.TCPConnector(limit=connections, ssl=_ssl(sink))
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:

            async def worker(queue: Iterator[Any]) -> int:
                ok = 0
                for message in queue:  # shared: each worker takes the next message
                    body = encode(build_message(message))
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        ok += response.status == 200
                return ok

            await asyncio.gather(*(worker(iter([m])) for m in messages[:connections]))  # open the connections
            meter = Meter().start()
            queue = iter(messages)
            sent = sum(await asyncio.gather(*(worker(queue) for _ in range(connections))))
            return meter.stop(sent, errors=len(messages) - sent)

    try:
        return asyncio.run(run())
    finally:
        import firebase_admin

        firebase_admin.delete_app(app)


def _ssl(sink: Sink) -> Any:
    import ssl

    return ssl.create_default_context(cafile=str(sink.certificate)) if sink.certificate else None


def web_sender_alone(sink: Sink, messages: list[Any]) -> dict[str, Any]:
    """The Web Push sender without a database: the same pushes as browsers' (encrypted,
    VAPID-signed), sent in chunks of 500 as the dispatcher hands them over."""
    from dataclasses import replace

    from companion.channels.factory import build_web_sender
    from devtools.push_service import browser_keys

    keys = browser_keys(64)
    web = [
        replace(m, identifier=f"{sink.url}/push/{i:08d}-" + "x" * 140, identifier_kind="webpush", keys=keys[i % 64])
        for i, m in enumerate(messages)
    ]
    sender = build_web_sender(sink.webpush_settings())
    try:
        sender.send([replace(web[0], identifier=f"{sink.url}/push/warmup", reminder_id=0)])
        meter = Meter().start()
        sent = sum(
            r.outcome == "sent" for first in range(0, len(web), 500) for r in sender.send(web[first : first + 500])
        )
        return meter.stop(sent)
    finally:
        sender.close()  # type: ignore[attr-defined]
