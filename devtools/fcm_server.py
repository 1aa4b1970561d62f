"""A fake FCM HTTP v1 server, so the real firebase-admin can be tested over real HTTP.

Serves the OAuth2 token endpoint and `messages:send` on 127.0.0.1, records what it
receives, and fails on request: per identifier, for the next N requests, by delay or by
dropping the connection. Error bodies have the shape FCM v1 sends.

Standalone, for demos and benchmarks:
    python -m devtools.fcm_server --port 8787 --credentials /tmp/fake-fcm-key.json
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import secrets
import signal
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from devtools.http_fake import FakeHandler, HttpFake

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
INVALID_TOKEN_MESSAGE = "The registration token is not a valid FCM registration token"

# errorCode -> (HTTP status, API status, message), as FCM v1 answers them.
FCM_ERRORS: dict[str, tuple[int, str, str]] = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for sending messages."),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
}
_SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour: an FCM error body, a dropped connection, or a pause."""

    error_code: str | None = None
    status: int | None = None
    message: str | None = None
    retry_after: str | None = None
    drop: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    at: float  # time.time() when the body arrived
    project: str
    body: dict[str, Any]

    @property
    def identifier(self) -> str | None:
        message = self.body.get("message") or {}
        return message.get("fid") or message.get("token")


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[Received] = field(default_factory=list)
    by_identifier: collections.Counter[str] = field(default_factory=collections.Counter)
    requests: int = 0
    token_requests: int = 0
    tokens: set[str] = field(default_factory=set)
    peers: set[tuple[str, int]] = field(default_factory=set)  # client (host, port): one per connection
    queue: collections.deque[Fault] = field(default_factory=collections.deque)
    per_identifier: dict[str, Fault] = field(default_factory=dict)
    token_faults: collections.deque[Fault] = field(default_factory=collections.deque)
    delay: float = 0.0
    quiet: bool = True  # no faults, no delay: the handler skips the fault lookups


class FakeFcmServer(HttpFake):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, record: bool = True) -> None:
        super().__init__(_Handler, host, port, name="fake-fcm")
        self.record = record
        self.journal: Any = None  # a text file: one JSON line per accepted send (`--journal`)
        self._state = _State()
        self._ids = itertools.count(1)

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    # error injection -----------------------------------------------------------------
    def fail_identifier(
        self, identifier: str, error_code: str, *, message: str | None = None, retry_after: str | int | None = None
    ) -> None:
        """Every send to this token or FID fails with the given FCM errorCode."""
        self._set(
            lambda s: s.per_identifier.__setitem__(identifier, self._fault(error_code, None, message, retry_after))
        )

    def drop_identifier(self, identifier: str) -> None:
        """Every send to this identifier has its connection closed without an answer."""
        self._set(lambda s: s.per_identifier.__setitem__(identifier, Fault(drop=True)))

    def fail_next(
        self,
        n: int,
        status: int = 503,
        error_code: str | None = "UNAVAILABLE",
        *,
        message: str | None = None,
        retry_after: str | int | None = None,
    ) -> None:
        """The next n `messages:send` requests (any identifier) fail this way."""
        fault = self._fault(error_code, status, message, retry_after)
        self._set(lambda s: s.queue.extend([fault] * n))

    def quota_exceeded(self, n: int = 1, retry_after: str | int | None = None) -> None:
        self.fail_next(n, 429, "QUOTA_EXCEEDED", retry_after=retry_after)

    def drop_next(self, n: int = 1) -> None:
        self._set(lambda s: s.queue.extend([Fault(drop=True)] * n))

    def delay(self, seconds: float) -> None:
        """Every `messages:send` waits this long before answering (0 to stop)."""
        self._set(lambda s: setattr(s, "delay", seconds))

    def fail_token_endpoint(self, n: int = 1, status: int = 503) -> None:
        """The next n token requests fail with this status (OAuth error body)."""
        self._set(lambda s: s.token_faults.extend([Fault(status=status)] * n))

    def revoke_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401 UNAUTHENTICATED)."""
        self._set(lambda s: s.tokens.clear())

    def reset(self) -> None:
        """Forget faults, delay and everything received."""
        with self._state.lock:
            self._state = _State()

    # what arrived ------------------------------------------------------------------------
    @property
    def received(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.received)

    def bodies(self) -> list[dict[str, Any]]:
        return [r.body for r in self.received]

    @property
    def requests(self) -> int:
        """`messages:send` requests, answered or not."""
        return self._state.requests

    @property
    def token_requests(self) -> int:
        return self._state.token_requests

    @property
    def connections(self) -> int:
        """Distinct client connections that carried `messages:send` requests."""
        with self._state.lock:
            return len(self._state.peers)

    def messages_for(self, identifier: str) -> int:
        with self._state.lock:
            return self._state.by_identifier[identifier]

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.requests < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    # internals ---------------------------------------------------------------------------
    def _fault(
        self, error_code: str | None, status: int | None, message: str | None, retry_after: str | int | None
    ) -> Fault:
        if error_code is not None and error_code not in FCM_ERRORS:
            raise ValueError(f"unknown FCM errorCode {error_code!r}; known: {sorted(FCM_ERRORS)}")
        return Fault(error_code, status, message, None if retry_after is None else str(retry_after))

    def _set(self, change: Any) -> None:
        with self._state.lock:
            change(self._state)
            self._state.quiet = False

    def _issue_token(self) -> tuple[int, dict[str, Any]]:
        state = self._state
        with state.lock:
            state.token_requests += 1
            fault = state.token_faults.popleft() if state.token_faults else None
            if fault is None:
                token = "fake-" + secrets.token_urlsafe(16)
                state.tokens.add(token)
        if fault is not None:
            return fault.status or 503, {"error": "temporarily_unavailable", "error_description": "fake outage"}
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _accept(self, project: str, body: dict[str, Any], bearer: str, peer: Any) -> tuple[Fault | None, bool]:
        """Count and record one send; return the fault to apply and whether auth passed."""
        state = self._state
        identifier = (body.get("message") or {}).get("fid") or (body.get("message") or {}).get("token") or ""
        with state.lock:
            state.requests += 1
            state.peers.add(peer)
            authorised = bearer in state.tokens
            if authorised:
                state.by_identifier[identifier] += 1
                if self.record:
                    state.received.append(Received(time.time(), project, body))
                if self.journal is not None:
                    data = (body.get("message") or {}).get("data") or {}
                    line = {"at": time.time(), "peer": peer[0], "reminder_id": data.get("reminder_id")}
                    self.journal.write(json.dumps(line) + "\n")
                    self.journal.flush()
            if state.quiet:
                return None, authorised
            fault = state.queue.popleft() if state.queue else state.per_identifier.get(identifier)
            if state.delay and fault is None:
                fault = Fault(delay=state.delay)
            elif state.delay and fault is not None:
                fault = Fault(fault.error_code, fault.status, fault.message, fault.retry_after, fault.drop, state.delay)
        return fault, authorised

    def _message_id(self, project: str) -> str:
        return f"projects/{project}/messages/0:{next(self._ids)}"


def error_body(status: int, api_status: str, message: str, error_code: str | None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message, "status": api_status}
    if error_code is not None:
        error["details"] = [{"@type": FCM_ERROR_TYPE, "errorCode": error_code}]
    return {"error": error}


class _Handler(FakeHandler):
    def do_POST(self) -> None:
        raw = self.body()
        fake = self.server.fake
        if self.path == "/token":
            form = urllib.parse.parse_qs(raw.decode())
            if form.get("grant_type") != [JWT_GRANT] or form.get("assertion", [""])[0].count(".") != 2:
                return self._json(400, {"error": "invalid_grant", "error_description": "expected a JWT-bearer grant"})
            return self._json(*fake._issue_token())
        match = _SEND_PATH.match(self.path)
        if match is None:
            return self._json(404, error_body(404, "NOT_FOUND", f"no such endpoint {self.path}", None))
        try:
            body = json.loads(raw)
        except ValueError:
            return self._json(400, error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", None))
        auth = self.headers.get("Authorization") or ""
        project = match["project"]
        fault, authorised = fake._accept(project, body, auth.removeprefix("Bearer "), self.client_address[:2])
        if not authorised:
            return self._json(
                401, error_body(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", None)
            )
        if fault is None:
            return self._json(200, {"name": fake._message_id(project)})
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self.close_connection = True
            return
        if fault.error_code is None and fault.status is None:
            return self._json(200, {"name": fake._message_id(project)})
        status, api_status, message = FCM_ERRORS.get(fault.error_code or "", (fault.status or 500, "UNKNOWN", "error"))
        status = fault.status or status
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        self._json(status, error_body(status, api_status, fault.message or message, fault.error_code), headers)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.reply(status, json.dumps(payload).encode(), "application/json; charset=UTF-8", headers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--credentials", help="write a service-account key for this server here")
    parser.add_argument("--project", default="aftercare-fake")
    parser.add_argument("--record", action="store_true", help="keep every body in memory (off: counters only)")
    parser.add_argument("--delay", type=float, default=0.0, help="answer every send this many seconds late")
    parser.add_argument("--journal", help="append one JSON line per accepted send here (time, client, reminder)")
    args = parser.parse_args(argv)
    server = FakeFcmServer(args.host, args.port, record=args.record)
    if args.delay:
        server.delay(args.delay)
    if args.journal:
        server.journal = open(args.journal, "a")  # noqa: SIM115  (open for the server's life)
    print(f"fake FCM listening on {server.url}", flush=True)
    print(f"  COMPANION_FCM_ENDPOINT={server.url}", flush=True)
    if args.credentials:
        from devtools.service_account import write_service_account

        write_service_account(args.credentials, server.token_uri, project_id=args.project)
        print(f"  COMPANION_FIREBASE_CREDENTIALS={args.credentials}", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # print the counters on a plain kill too
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not interrupt the summary
        server._httpd.server_close()
        print(f"messages:send requests={server.requests} token requests={server.token_requests}", flush=True)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
