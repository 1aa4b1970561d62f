"""What the dispatcher does after each FCM error, in one table read top to bottom.

The first row whose exception class (and optional test) matches wins, so the
specific rows come before the general ones they subclass.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firebase_admin import exceptions, messaging

from companion.channels.base import BACKOFF, DEACTIVATE, FAILED, RETRY, Outcome

# FCM answers QUOTA_EXCEEDED without Retry-After more often than with it; a minute is
# the smallest wait its documentation asks for.
DEFAULT_QUOTA_BACKOFF_SECONDS = 60.0

_FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# FCM reports a malformed or foreign token as a plain INVALID_ARGUMENT; only the
# message tells it apart from a bad payload, and only the former kills the device.
_INVALID_TOKEN = re.compile(r"registration token is not a valid|registration-token-not-registered", re.I)
_DEAD_TOKEN_CODES = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH", "registration-token-not-registered"})


@dataclass(frozen=True)
class ErrorOutcome:
    outcome: Outcome
    error_code: str
    retry_after: float | None = None
    detail: str | None = None
    operator_error: bool = False  # our configuration is wrong, not the device


Test = Callable[[exceptions.FirebaseError, str], bool]


def _invalid_token(error: exceptions.FirebaseError, code: str) -> bool:
    return bool(_INVALID_TOKEN.search(str(error))) or code in _DEAD_TOKEN_CODES


def _no_response(error: exceptions.FirebaseError, code: str) -> bool:
    return error.http_response is None


def _server_side(error: exceptions.FirebaseError, code: str) -> bool:
    response = error.http_response
    return response is not None and response.status_code >= 500


# (exception class, extra test or None, outcome, operator error)
RULES: tuple[tuple[type[exceptions.FirebaseError], Test | None, Outcome, bool], ...] = (
    (messaging.UnregisteredError, None, DEACTIVATE, False),
    (messaging.SenderIdMismatchError, None, DEACTIVATE, False),
    (exceptions.InvalidArgumentError, _invalid_token, DEACTIVATE, False),
    (exceptions.FirebaseError, _invalid_token, DEACTIVATE, False),
    (messaging.QuotaExceededError, None, BACKOFF, False),
    (exceptions.ResourceExhaustedError, None, BACKOFF, False),
    (messaging.ThirdPartyAuthError, None, FAILED, True),  # APNs / web push credentials
    (exceptions.InvalidArgumentError, None, FAILED, False),  # our payload is wrong
    (exceptions.UnavailableError, None, RETRY, False),  # 503 and connection errors
    (exceptions.InternalError, None, RETRY, False),
    (exceptions.DeadlineExceededError, None, RETRY, False),  # timeouts
    (exceptions.UnknownError, _no_response, RETRY, False),  # transport failed mid-call
    (exceptions.UnauthenticatedError, None, RETRY, True),  # our OAuth token was refused
    (exceptions.PermissionDeniedError, None, FAILED, True),  # project or API not enabled
    (exceptions.FirebaseError, _server_side, RETRY, False),
    (exceptions.FirebaseError, None, FAILED, False),
)


def classify(error: Exception) -> ErrorOutcome:
    """Map one per-message exception (as firebase-admin raises it for an FCM answer) to what happens to the device."""
    if not isinstance(error, exceptions.FirebaseError):
        return ErrorOutcome(RETRY, type(error).__name__, detail=str(error)[:500])
    code = fcm_error_code(error)
    outcome, operator = FAILED, False
    for klass, test, rule_outcome, rule_operator in RULES:
        if isinstance(error, klass) and (test is None or test(error, code)):
            outcome, operator = rule_outcome, rule_operator
            break
    retry_after = retry_after_seconds(error.http_response)
    if outcome == BACKOFF and retry_after is None:
        retry_after = DEFAULT_QUOTA_BACKOFF_SECONDS
    if outcome not in (BACKOFF, RETRY):
        retry_after = None
    return ErrorOutcome(outcome, code, retry_after, str(error)[:500], operator)


def fcm_error_code(error: exceptions.FirebaseError) -> str:
    """FCM's own errorCode when the body has one, else the API status, else the class."""
    body = _json_body(error.http_response)
    status = None
    if isinstance(body.get("error"), dict):
        status = body["error"].get("status")
        for detail in body["error"].get("details") or ():
            if isinstance(detail, dict) and detail.get("@type") == _FCM_ERROR_TYPE and detail.get("errorCode"):
                return str(detail["errorCode"])
    if error.http_response is None:
        return type(error.cause).__name__ if error.cause is not None else type(error).__name__
    return str(status or type(error).__name__)


def retry_after_seconds(response: Any, now: datetime | None = None) -> float | None:
    """Read Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if response is None:
        return None
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _json_body(response: Any) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = json.loads(response.content.decode() or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
