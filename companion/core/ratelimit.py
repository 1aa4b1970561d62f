"""Rate limits (Flask-Limiter): one limiter per app, storage in memory or Redis.

Keys: the client address for sign-in failures (only failures count, so a clinic's
desk Wi-Fi where many patients sign in from one address is never blocked), and a
digest of the bearer credential for everything a token or an API key does, so one
leaked or buggy client cannot flood its clinic's staff with urgent alerts.
A 429 leaves in the usual JSON error format with `Retry-After`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from flask import Blueprint, Flask, current_app, request
from flask.typing import ResponseReturnValue, RouteCallable
from flask.wrappers import Response
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from companion.core.auth import PATIENT_APP_COOKIE

log = logging.getLogger(__name__)

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def client_address() -> str:
    return request.remote_addr or "unknown"


def credential_key() -> str:
    """A digest of the bearer credential (never the credential itself: keys may sit in Redis); the
    patient web app's cookie holds the same kind of token, so it counts against the same limits."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.cookies.get(PATIENT_APP_COOKIE, "")
        if not token.strip():
            return f"addr:{client_address()}"
    return "cred:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]


def failures_only(response: Response) -> bool:
    return response.status_code == 401


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


@dataclass(frozen=True)
class EndpointLimit:
    endpoint: str  # Flask endpoint name, e.g. "me.submit_checkin"
    setting: str  # config key holding the limit string
    key: Callable[[], str]
    count_failures_only: bool = False


@dataclass(frozen=True)
class BlueprintLimit:
    """A limit on every blueprint that authenticates with `guard` (its before_request hook):
    a new blueprint is limited the moment it requires the credential, with nothing to list."""

    guard: Callable[[], ResponseReturnValue | None]  # a before_request hook: None, or the answer that ends the request
    setting: str
    scope: str  # one counter per key across all these blueprints
    key: Callable[[], str]
    methods: tuple[str, ...] | None = None


def init_rate_limits(app: Flask, endpoints: Iterable[EndpointLimit], blueprints: Iterable[BlueprintLimit]) -> Limiter:
    """Call after the blueprints are registered (limits attach to their views)."""
    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: fall back to per-process memory and say so, rather than fail every request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter = Limiter(key_func=client_address, app=app, default_limits=[])
    for item in endpoints:
        view = app.view_functions.get(item.endpoint)
        if view is None:
            raise RuntimeError(f"rate limit for an unknown endpoint {item.endpoint!r}")
        limited = limiter.limit(
            _setting(item.setting),
            key_func=item.key,
            deduct_when=failures_only if item.count_failures_only else None,
        )(view)
        # The decorator keeps the view's signature; mypy only loses which half of the sync|async union it was.
        app.view_functions[item.endpoint] = cast("RouteCallable", limited)
    for group in blueprints:
        shared = limiter.shared_limit(
            _setting(group.setting),
            scope=group.scope,
            key_func=group.key,
            methods=list(group.methods) if group.methods else None,
        )
        guarded = [name for name, hooks in app.before_request_funcs.items() if name and group.guard in hooks]
        if not guarded:
            raise RuntimeError(f"no blueprint is guarded by {group.guard.__qualname__} (limit {group.scope!r})")
        for name in guarded:
            # Flask types its registry with the sansio base class; what registered there is a flask.Blueprint.
            shared(cast(Blueprint, app.blueprints[name]))
    app.extensions["companion_limiter"] = limiter
    return limiter


def reset_rate_limits(app: Flask) -> None:
    """Forget every counter (tests, and an operator after a false alarm)."""
    limiter: Limiter | None = app.extensions.get("companion_limiter")
    if limiter is not None:
        limiter.reset()
