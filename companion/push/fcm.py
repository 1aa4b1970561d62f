"""The real push sender: firebase-admin's `messaging.send_each` against FCM HTTP v1."""
from __future__ import annotations

import functools
import logging
import os
import urllib.request
import threading
import uuid
import warnings
from datetime import timedelta
from typing import Any, Mapping

import firebase_admin
import google.auth.exceptions
import google.auth.transport.requests
import requests
import requests.adapters
from firebase_admin import credentials, messaging
from urllib3.util.retry import Retry

from companion.core.clock import utcnow
from companion.push.base import FAILED, RETRY, SENT, PushMessage, PushResult
from companion.push.fcm_errors import classify

log = logging.getLogger("companion.push.fcm")

FCM_BASE_URL = "https://fcm.googleapis.com"
CHUNK_SIZE = 500  # send_each refuses more, and opens one thread per message
MAX_TTL = timedelta(days=28)  # FCM's ceiling for android.ttl
APNS_COLLAPSE_ID_MAX_BYTES = 64
PLATFORMS = frozenset({"android", "ios", "web"})

# firebase-admin retries 500/503 up to four times with exponential backoff inside one
# send_each call, holding the whole chunk for ~8 s and hiding the failure. Our dispatcher
# owns retries (jittered backoff until expires_at), so here: no status or read retries
# (a POST that reached FCM may have been delivered), one retry only when the connection
# could not be opened (nothing was sent).
TRANSPORT_RETRY = Retry(
    total=None, connect=1, read=False, status=0, redirect=0, other=0,
    raise_on_status=False, allowed_methods=None,
)


class FcmSender:
    name = "fcm"

    def __init__(self, app: firebase_admin.App, *, timeout: float, channel_id: str) -> None:
        self._app = app
        self._timeout = timeout
        self._channel_id = channel_id
        self._credential = app.credential.get_credential()
        self._token_lock = threading.Lock()
        self._token_session = requests.Session()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FcmSender:
        path = config.get("FIREBASE_CREDENTIALS")
        if not path:
            raise ValueError("the fcm push backend needs COMPANION_FIREBASE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS")
        certificate = credentials.Certificate(path)
        timeout = float(config.get("FCM_TIMEOUT_SECONDS") or 10.0)
        app = firebase_admin.initialize_app(
            certificate,
            options={"projectId": certificate.project_id, "httpTimeout": timeout},
            name=f"companion-fcm-{uuid.uuid4().hex}",  # several senders may live in one process
        )
        _tune_messaging_service(app, config.get("FCM_ENDPOINT") or FCM_BASE_URL)
        return cls(app, timeout=timeout, channel_id=str(config.get("ANDROID_CHANNEL_ID") or "aftercare"))

    def close(self) -> None:
        firebase_admin.delete_app(self._app)
        self._token_session.close()

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(messages), CHUNK_SIZE):
            chunk = messages[start:start + CHUNK_SIZE]
            if not self._ensure_token():  # nothing can be sent until the token endpoint answers
                results.extend(_all(messages[start:], RETRY, "AUTH_TOKEN_UNAVAILABLE"))
                break
            results.extend(self._send_chunk(chunk))
        return results

    def _send_chunk(self, chunk: list[PushMessage]) -> list[PushResult]:
        built: list[tuple[int, messaging.Message]] = []
        results: list[PushResult | None] = [None] * len(chunk)
        for index, message in enumerate(chunk):
            try:
                fcm_message = build_message(message, self._channel_id)
                str(fcm_message)  # encode now: send_each validates all first and would fail the chunk
                built.append((index, fcm_message))
            except (ValueError, TypeError) as error:
                results[index] = PushResult(message.device_id, FAILED, error_code="INVALID_PAYLOAD", detail=str(error)[:500])
        if built:
            try:
                batch = messaging.send_each([m for _, m in built], app=self._app)
            except Exception as error:  # the whole call failed: nothing is known to be sent
                log.warning("fcm send_each failed for %d messages: %r", len(built), error)
                for index, _ in built:
                    results[index] = PushResult(chunk[index].device_id, RETRY, error_code=type(error).__name__, detail=str(error)[:500])
            else:
                for (index, _), response in zip(built, batch.responses):
                    results[index] = _result(chunk[index], response)
        return [r for r in results if r is not None]

    def _ensure_token(self) -> bool:
        """Fetch the OAuth token once, here, before send_each starts its threads.

        google-auth refreshes without a lock, so 500 threads starting with no token
        would each ask the token endpoint for one.
        """
        with self._token_lock:
            if self._credential.valid:
                return True
            request = google.auth.transport.requests.Request(self._token_session)
            try:
                self._credential.refresh(functools.partial(request, timeout=self._timeout))
            except Exception as error:  # TransportError, RefreshError, or a garbled answer
                retryable = not isinstance(error, google.auth.exceptions.RefreshError) or error.retryable
                log.log(logging.WARNING if retryable else logging.ERROR,
                        "fcm: could not get an OAuth token (operator: check the service-account key): %s", error)
                return False
            return True


def _all(messages: list[PushMessage], outcome: str, code: str) -> list[PushResult]:
    return [PushResult(m.device_id, outcome, error_code=code) for m in messages]


def _result(message: PushMessage, response: messaging.SendResponse) -> PushResult:
    if response.success:
        return PushResult(message.device_id, SENT, message_id=response.message_id)
    if response.exception is None:  # a 2xx without a message name: delivery unknown
        return PushResult(message.device_id, RETRY, error_code="NO_MESSAGE_NAME")
    verdict = classify(response.exception)
    if verdict.operator_error:
        log.error("fcm operator error %s for device %s: %s", verdict.error_code, message.device_id, verdict.detail)
    return PushResult(
        message.device_id, verdict.outcome, error_code=verdict.error_code,
        retry_after=verdict.retry_after, detail=verdict.detail,
    )


def _tune_messaging_service(app: firebase_admin.App, base_url: str) -> None:
    """The things firebase-admin and google-auth offer no option for, in one place.

    All touch private attributes (checked against firebase-admin 7.7, google-auth 2.62):
    - the FCM URL is fixed when `messaging._MessagingService` is built;
    - the session's adapter for a non-Google host keeps 10 connections while send_each
      runs up to 500 threads (surplus connections are opened, then thrown away);
    - with another endpoint (the fake FCM server), google-auth must not look up the
      account's regional access boundary on iamcredentials.googleapis.com in the
      background: nothing outside that endpoint and the key's token_uri is contacted.
    """
    service = messaging._get_messaging_service(app)  # noqa: SLF001
    base_url = base_url.rstrip("/")
    service._fcm_url = f"{base_url}/v1/projects/{app.project_id}/messages:send"  # noqa: SLF001
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=CHUNK_SIZE, max_retries=TRANSPORT_RETRY)
    session = service._client.session  # noqa: SLF001
    session.mount(base_url, adapter)
    # requests re-reads proxy variables and ~/.netrc for every request when trust_env is
    # on: ~15% of the CPU per push (profiled). Keep it only where the environment asks
    # for a proxy or a CA bundle.
    session.trust_env = _environment_shapes_requests()
    credential = service._credential  # noqa: SLF001
    if base_url != FCM_BASE_URL and hasattr(credential, "_is_regional_access_boundary_lookup_required"):
        credential._is_regional_access_boundary_lookup_required = lambda: False  # noqa: SLF001


def _environment_shapes_requests() -> bool:
    bundle = any(os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"))
    return bundle or bool(urllib.request.getproxies())


def build_message(message: PushMessage, channel_id: str | None = None) -> messaging.Message:
    """One FCM message for one device, carrying only the block for its platform."""
    expires_in = min(max(message.expires_at - utcnow(), timedelta(0)), MAX_TTL)
    ttl = timedelta(seconds=int(expires_in.total_seconds()))
    high = message.priority == "high"
    blocks: dict[str, Any] = {}
    unknown = message.platform not in PLATFORMS  # then send every block and let FCM pick
    if unknown or message.platform == "android":
        blocks["android"] = messaging.AndroidConfig(
            priority="high" if high else "normal",
            ttl=ttl,
            collapse_key=message.collapse_key,
            notification=messaging.AndroidNotification(
                channel_id=message.channel_id or channel_id, tag=message.collapse_key,
            ),
        )
    if unknown or message.platform == "ios":
        blocks["apns"] = messaging.APNSConfig(
            headers={
                "apns-expiration": str(int(message.expires_at.timestamp())),
                "apns-priority": "10" if high else "5",
                "apns-push-type": "alert",
                "apns-collapse-id": _truncate_utf8(message.collapse_key, APNS_COLLAPSE_ID_MAX_BYTES),
            },
            payload=messaging.APNSPayload(aps=messaging.Aps(thread_id=message.thread_id)),
        )
    if unknown or message.platform == "web":
        blocks["webpush"] = messaging.WebpushConfig(
            headers={"TTL": str(int(ttl.total_seconds())), "Urgency": "high" if high else "normal"},
            notification=messaging.WebpushNotification(tag=message.collapse_key),
        )
    common: dict[str, Any] = dict(
        notification=messaging.Notification(title=message.title, body=message.body),
        data=dict(message.data),
        **blocks,
    )
    if message.identifier_kind == "fid":
        return messaging.Message(fid=message.identifier, **common)
    # Devices registered before the app sent installation ids still carry a legacy
    # registration token, which FCM accepts; firebase-admin >= 7.6 warns on every
    # Message(token=...). The choice is deliberate and recorded per device, so only
    # that one warning is silenced, only around this call.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Message\.token is deprecated", category=DeprecationWarning)
        return messaging.Message(token=message.identifier, **common)


def _truncate_utf8(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")
