"""The real push sender: FCM HTTP v1 over a pooled async HTTP client.

firebase-admin stays in charge of what it does well: the service-account credential
and its OAuth token, building and encoding each `messaging.Message`, and turning FCM's
error answers into its exception classes (which `fcm_errors` maps to outcomes). The
requests themselves go out over aiohttp from one event loop (`fcm_transport`): the
SDK's `send_each` runs a thread and a requests call per message, which caps one
process at about 800 pushes/s.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

import firebase_admin
import google.auth.exceptions
import google.auth.transport.requests
import httpx
import requests
from firebase_admin import credentials, exceptions, messaging

from companion.channels.base import DEFAULT_IN_FLIGHT, FAILED, RETRY, SENT, PushMessage, PushResult
from companion.channels.fcm_errors import classify
from companion.channels.fcm_message import build_message, encode
from companion.channels.fcm_transport import HttpAnswer, HttpPool, TransportError

log = logging.getLogger("companion.channels.fcm")

FCM_BASE_URL = "https://fcm.googleapis.com"
SUBMIT_EVERY = 50  # messages encoded before they are handed to the event loop


class FcmSender:
    name = "fcm"

    def __init__(
        self,
        app: firebase_admin.App,
        *,
        base_url: str,
        timeout: float,
        channel_id: str,
        max_in_flight: int = DEFAULT_IN_FLIGHT,
        max_connections: int = DEFAULT_IN_FLIGHT,
    ) -> None:
        self._app = app
        self._timeout = timeout
        self._channel_id = channel_id
        # firebase-admin internals (pinned in pyproject, checked in tests/channels/test_sdk_internals.py):
        # the service's FCM headers and its two error translators.
        self._service = messaging._get_messaging_service(app)
        self._credential = app.credential.get_credential()
        self._url = f"{base_url.rstrip('/')}/v1/projects/{app.project_id}/messages:send"
        self._token_lock = threading.Lock()
        self._token_session = requests.Session()
        self._pool = HttpPool(timeout=timeout, max_in_flight=max_in_flight, max_connections=max_connections)
        if base_url.rstrip("/") != FCM_BASE_URL and hasattr(
            self._credential, "_is_regional_access_boundary_lookup_required"
        ):
            # google-auth would look up the account's regional access boundary on
            # iamcredentials.googleapis.com in the background: with another endpoint (the
            # fake FCM server) nothing but it and the key's token_uri is contacted.
            self._credential._is_regional_access_boundary_lookup_required = lambda: False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FcmSender:
        path = config.get("FIREBASE_CREDENTIALS")
        if not path:
            raise ValueError(
                "the fcm push backend needs COMPANION_FIREBASE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS"
            )
        certificate = credentials.Certificate(path)
        timeout = float(config.get("FCM_TIMEOUT_SECONDS") or 10.0)
        app = firebase_admin.initialize_app(
            certificate,
            options={"projectId": certificate.project_id, "httpTimeout": timeout},
            name=f"companion-fcm-{uuid.uuid4().hex}",  # several senders may live in one process
        )
        return cls(
            app,
            base_url=config.get("FCM_ENDPOINT") or FCM_BASE_URL,
            timeout=timeout,
            channel_id=str(config.get("ANDROID_CHANNEL_ID") or "aftercare"),
            max_in_flight=int(config.get("FCM_MAX_IN_FLIGHT") or DEFAULT_IN_FLIGHT),
            max_connections=int(config.get("FCM_MAX_CONNECTIONS") or DEFAULT_IN_FLIGHT),
        )

    @property
    def trust_env(self) -> bool:
        """Whether proxy settings from the environment are honoured (only when some are set)."""
        return self._pool.trust_env

    def close(self) -> None:
        self._pool.close()
        firebase_admin.delete_app(self._app)
        self._token_session.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        return self.start(messages)()

    def start(self, messages: list[PushMessage]) -> Callable[[], list[PushResult]]:
        """Encode every message and put the requests on the wire; the results wait in what comes back."""
        headers = self._headers()
        if headers is None:  # nothing can be sent until the token endpoint answers
            refused = [PushResult(m.device_id, RETRY, error_code="AUTH_TOKEN_UNAVAILABLE") for m in messages]
            return lambda: refused
        results: list[PushResult | None] = [None] * len(messages)
        in_flight: list[tuple[list[int], Future[list[HttpAnswer | TransportError]]]] = []
        bodies: list[bytes] = []
        sent: list[int] = []
        for index, message in enumerate(messages):
            try:
                bodies.append(encode(build_message(message, self._channel_id)))
            except (ValueError, TypeError) as error:
                results[index] = PushResult(
                    message.device_id, FAILED, error_code="INVALID_PAYLOAD", detail=str(error)[:500]
                )
            else:
                sent.append(index)
            if len(bodies) == SUBMIT_EVERY:  # the first requests leave while the rest are encoded
                in_flight.append((sent, self._pool.submit(self._url, headers, bodies)))
                bodies, sent = [], []
        if bodies:
            in_flight.append((sent, self._pool.submit(self._url, headers, bodies)))

        def collect() -> list[PushResult]:
            for indexes, future in in_flight:
                for index, answer in zip(indexes, future.result(), strict=True):
                    results[index] = self._result(messages[index], answer)
            return [r for r in results if r is not None]

        return collect

    def _headers(self) -> dict[str, str] | None:
        """Request headers with a valid token; one refresh at a time, before it expires.

        google-auth counts a token as invalid a few minutes before its expiry, so the
        refresh happens while the old token still works.
        """
        headers = dict(self._service._fcm_headers)
        headers["Content-Type"] = "application/json"
        with self._token_lock:
            request = google.auth.transport.requests.Request(self._token_session)
            try:
                self._credential.before_request(
                    functools.partial(request, timeout=self._timeout), "POST", self._url, headers
                )
            except Exception as error:  # TransportError, RefreshError, or a garbled answer
                retryable = not isinstance(error, google.auth.exceptions.RefreshError) or error.retryable
                log.log(
                    logging.WARNING if retryable else logging.ERROR,
                    "fcm: could not get an OAuth token (operator: check the service-account key): %s",
                    error,
                )
                return None
        return headers

    def _result(self, message: PushMessage, answer: HttpAnswer | TransportError) -> PushResult:
        if isinstance(answer, HttpAnswer) and 200 <= answer.status < 300:
            name = _message_name(answer.body)
            if name is None:  # a 2xx without a message name: delivery unknown
                return PushResult(message.device_id, RETRY, error_code="NO_MESSAGE_NAME")
            return PushResult(message.device_id, SENT, message_id=name)
        error = self._firebase_error(answer)
        if isinstance(error, exceptions.UnauthenticatedError) and not isinstance(error, messaging.ThirdPartyAuthError):
            self._credential.token = None  # FCM refused our token: fetch a new one for the next batch
        verdict = classify(error)
        if verdict.operator_error:
            log.error("fcm operator error %s for device %s: %s", verdict.error_code, message.device_id, verdict.detail)
        return PushResult(
            message.device_id,
            verdict.outcome,
            error_code=verdict.error_code,
            retry_after=verdict.retry_after,
            detail=verdict.detail,
        )

    def _firebase_error(self, answer: HttpAnswer | TransportError) -> exceptions.FirebaseError:
        """The exception firebase-admin itself raises for this answer."""
        if isinstance(answer, TransportError):
            # As requests would have raised it, so the error codes recorded in
            # deliveries (ReadTimeout, ConnectionError, ...) keep their names.
            kind = (
                (requests.exceptions.ConnectTimeout if answer.connect else requests.exceptions.ReadTimeout)
                if answer.timed_out
                else requests.exceptions.ConnectionError
            )
            return self._service._handle_fcm_error(kind(str(answer.error) or type(answer.error).__name__))
        request = httpx.Request("POST", self._url)
        response = httpx.Response(answer.status, headers=dict(answer.headers), content=answer.body, request=request)
        status_error = httpx.HTTPStatusError(f"FCM answered {answer.status}", request=request, response=response)
        return self._service._handle_fcm_httpx_error(status_error)


def _message_name(body: bytes) -> str | None:
    try:
        name = json.loads(body).get("name")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None
