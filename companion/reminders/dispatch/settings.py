"""The dispatcher's knobs, read once from the app's config."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from companion.channels.base import MAX_BATCH
from companion.reminders.dispatch.outcomes import RetryPolicy


@dataclass(frozen=True)
class DispatchSettings:
    batch_size: int = 500
    lease_seconds: float = 120.0
    policy: RetryPolicy = RetryPolicy()
    channel_id: str = "aftercare"
    chunk_size: int = MAX_BATCH
    pass_budget_seconds: float = 5.0
    # A claim is sent only until `lease - margin` after it was made (at most a fifth of the lease).
    fence_margin_seconds: float = 2.0
    # Leases are stamped and judged by each dispatcher's own clock: another host's lease is
    # taken over only this long after it ran out by ours, so a clock ahead cannot steal it.
    clock_skew_seconds: float = 0.0
    # A patient's reminders due within this window go out as one push; zero sends each alone.
    bundle_window: timedelta = timedelta(minutes=10)
    # Sign-in links in SMS and e-mail: where patients reach the web app, and how long a link works.
    public_url: str = "http://127.0.0.1:8000"
    link_ttl: timedelta = timedelta(days=7)
    # A must-see reminder's push unopened this long: one SMS or e-mail follows.
    fallback_after: timedelta = timedelta(minutes=120)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, batch: int | None = None) -> DispatchSettings:
        return cls(
            batch_size=batch or int(config["DISPATCH_BATCH_SIZE"]),
            lease_seconds=float(config["DISPATCH_LEASE_SECONDS"]),
            policy=RetryPolicy(
                base_seconds=float(config["RETRY_BASE_SECONDS"]),
                max_seconds=float(config["RETRY_MAX_SECONDS"]),
                quota_seconds=float(config["QUOTA_BACKOFF_SECONDS"]),
            ),
            channel_id=str(config.get("ANDROID_CHANNEL_ID") or "aftercare"),
            pass_budget_seconds=float(config.get("DISPATCH_PASS_BUDGET_SECONDS", 5.0)),
            fence_margin_seconds=float(config.get("DISPATCH_FENCE_MARGIN_SECONDS", 2.0)),
            clock_skew_seconds=float(config.get("DISPATCH_CLOCK_SKEW_SECONDS", 0.0)),
            bundle_window=timedelta(minutes=float(config.get("PUSH_BUNDLE_WINDOW_MINUTES", 10))),
            public_url=str(config.get("PUBLIC_URL") or "http://127.0.0.1:8000"),
            link_ttl=timedelta(days=int(config.get("SIGN_IN_LINK_TTL_DAYS", 7))),
            fallback_after=timedelta(minutes=float(config.get("FALLBACK_AFTER_MINUTES", 120))),
        )

    @property
    def sendable_seconds(self) -> float:
        """How long after a claim its rows may still go on the wire (local monotonic time).

        Past it, another dispatcher may already hold the rows: the lease ran out while this
        one was cut off or stalled. The margin covers a chunk's time on the wire.
        """
        return self.lease_seconds - min(self.fence_margin_seconds, self.lease_seconds * 0.2)


def default_name() -> str:
    """Unique per process, readable in `claimed_by` and the health list."""
    return f"{socket.gethostname()[:50]}-{os.getpid()}-{secrets.token_hex(3)}"
