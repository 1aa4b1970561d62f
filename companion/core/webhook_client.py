"""One webhook POST with hard limits: a checked address, a total deadline, a capped answer.

`requests`' timeout is per socket read, so an endpoint trickling a byte every few
seconds holds a delivery for as long as it likes, and it reads a whole answer into
memory. Here a watchdog closes the connection when the delivery's total time is
up, only the first `max_response_bytes` of the answer are ever read, redirects are
not followed, and the socket goes to an address `check_url` approved (TLS still
verifies the certificate against the host name).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from companion.core.webhook_targets import Target


class DeliveryTimeout(Exception):
    """The delivery's total deadline passed."""


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes  # at most max_response_bytes


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _connect(target: Target, deadline: float) -> socket.socket:
    last_error: OSError | None = None
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            return socket.create_connection((address, target.port), timeout=remaining)
        except OSError as err:
            last_error = err
    if time.monotonic() >= deadline:
        raise DeliveryTimeout("could not connect in time")
    raise last_error or OSError("no address to connect to")


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    max_response_bytes: int,
    ssl_context: ssl.SSLContext | None = None,
) -> WebhookAnswer:
    """POST `body`; raises DeliveryTimeout, OSError or http.client.HTTPException on failure."""
    deadline = time.monotonic() + timeout
    current = [_connect(target, deadline)]

    def _cut() -> None:  # wakes a blocked read: the deadline is total, not per read
        with contextlib.suppress(OSError):
            current[0].shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        if target.scheme == "https":
            context = ssl_context or ssl.create_default_context()
            current[0] = context.wrap_socket(current[0], server_hostname=target.host)
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        connection.sock = current[0]
        connection.request("POST", target.path, body=body, headers={**headers, "Host": _host_header(target)})
        response = connection.getresponse()
        answer = WebhookAnswer(status=response.status, body=response.read(max_response_bytes))
    except (OSError, http.client.HTTPException) as err:
        if time.monotonic() >= deadline - 0.01:
            raise DeliveryTimeout("the endpoint did not answer in time") from err
        raise
    finally:
        watchdog.cancel()
        current[0].close()
    if time.monotonic() > deadline:
        raise DeliveryTimeout("the endpoint did not answer in time")
    return answer
