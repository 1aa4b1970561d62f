"""Prometheus metrics of the dispatcher process (the API's DB gauges live in views.py).

Counters live in the process that sends; `serve()` exposes them on their own
port because the dispatcher has no web server.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

SENDS = Counter(
    "companion_push_sends",
    "Push attempts per device, by outcome.",
    ["backend", "outcome"],
)
REMINDERS = Counter(
    "companion_reminders_finished",
    "Reminders finished by the dispatcher, by final state.",
    ["status"],
)
OPERATOR_ERRORS = Counter(
    "companion_push_operator_errors",
    "Sends refused because our credentials are wrong.",
    ["code"],
)
FENCED = Counter(
    "companion_dispatch_fenced",
    "Claimed reminders dropped unsent: their lease would end before they reached the wire.",
)
PASSES = Counter("companion_dispatch_passes", "Dispatcher passes run.")
LAG = Histogram(
    "companion_dispatch_lag_seconds",
    "From a reminder's due_at to its sending.",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
)
PASS_SECONDS = Histogram(
    "companion_dispatch_pass_seconds",
    "Wall time of one dispatcher pass.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Expose this process's metrics at http://host:port/metrics, in a daemon thread."""
    start_http_server(port, addr=host)
