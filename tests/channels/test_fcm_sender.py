"""The FCM sender, with the real firebase-admin talking HTTP to the fake FCM server."""

from __future__ import annotations

import email.utils
import logging
import time
import warnings
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from firebase_admin import exceptions

from companion.channels.base import BACKOFF, DEACTIVATE, FAILED, RETRY, SENT, PushMessage
from companion.channels.fcm import FcmSender
from companion.channels.fcm_errors import DEFAULT_QUOTA_BACKOFF_SECONDS, classify
from companion.core.clock import clock
from devtools.fcm_server import INVALID_TOKEN_MESSAGE

NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def push(device_id: int = 1, **changes) -> PushMessage:
    message = PushMessage(
        reminder_id=40 + device_id,
        device_id=device_id,
        identifier=f"fid-{device_id}",
        identifier_kind="fid",
        platform="android",
        title="Aftercare",
        body="You have a new reminder",
        data={"reminder_id": str(40 + device_id), "kind": "rule"},
        priority="high",
        expires_at=NOW + timedelta(hours=2),
        collapse_key=f"reminder-{40 + device_id}",
        thread_id="treatment-7",
    )
    return replace(message, **changes)


@pytest.fixture
def sender(fcm_config):
    clock.freeze(NOW)
    fcm_sender = FcmSender.from_config(fcm_config)
    yield fcm_sender
    fcm_sender.close()


def only_message(fake_fcm) -> dict:
    (body,) = fake_fcm.bodies()
    return body["message"]


# content ------------------------------------------------------------------------------


def test_android_message_carries_ttl_priority_collapse_key_and_channel(sender, fake_fcm):
    [result] = sender.send([push()])
    assert result.outcome == SENT
    assert result.message_id.startswith("projects/aftercare-test/messages/")
    message = only_message(fake_fcm)
    assert message["fid"] == "fid-1" and "token" not in message
    assert message["notification"] == {"title": "Aftercare", "body": "You have a new reminder"}
    assert message["data"] == {"reminder_id": "41", "kind": "rule"}
    android = message["android"]
    assert android["priority"] == "high"
    assert android["ttl"] == "7200s"
    assert android["collapse_key"] == "reminder-41"
    assert android["notification"]["channel_id"] == "aftercare"
    assert android["notification"]["tag"] == "reminder-41"  # a repeat replaces the tray entry
    assert "apns" not in message and "webpush" not in message


@pytest.mark.parametrize("expires_in, ttl", [(timedelta(minutes=-5), "0s"), (timedelta(days=60), "2419200s")])
def test_android_ttl_is_clamped_between_zero_and_28_days(sender, fake_fcm, expires_in, ttl):
    sender.send([push(expires_at=NOW + expires_in, priority="normal")])
    android = only_message(fake_fcm)["android"]
    assert android["ttl"] == ttl
    assert android["priority"] == "normal"


def test_apns_message_carries_expiration_priority_collapse_id_and_thread(sender, fake_fcm):
    long_key = "reminder-" + "é" * 40  # 89 bytes in UTF-8
    sender.send([push(platform="ios", priority="normal", collapse_key=long_key)])
    apns = only_message(fake_fcm)["apns"]
    headers = apns["headers"]
    assert headers["apns-expiration"] == str(int((NOW + timedelta(hours=2)).timestamp()))
    assert headers["apns-priority"] == "5"
    assert len(headers["apns-collapse-id"].encode()) <= 64
    assert long_key.startswith(headers["apns-collapse-id"])
    assert apns["payload"]["aps"]["thread-id"] == "treatment-7"


def test_high_priority_apns_is_immediate(sender, fake_fcm):
    sender.send([push(platform="ios")])
    assert only_message(fake_fcm)["apns"]["headers"]["apns-priority"] == "10"


def test_web_push_carries_ttl_header(sender, fake_fcm):
    sender.send([push(platform="web")])
    assert only_message(fake_fcm)["webpush"]["headers"]["TTL"] == "7200"


def test_unknown_platform_gets_every_block(sender, fake_fcm):
    sender.send([push(platform="desktop")])
    assert {"android", "apns", "webpush"} <= set(only_message(fake_fcm))


# addressing ------------------------------------------------------------------------------


def test_legacy_token_is_addressed_by_token_without_a_deprecation_warning(sender, fake_fcm):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [result] = sender.send([push(identifier="legacy-token", identifier_kind="token")])
    assert result.outcome == SENT
    message = only_message(fake_fcm)
    assert message["token"] == "legacy-token" and "fid" not in message
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)]


# outcomes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error_code, message, outcome",
    [
        ("UNREGISTERED", None, DEACTIVATE),
        ("SENDER_ID_MISMATCH", None, DEACTIVATE),
        ("INVALID_ARGUMENT", INVALID_TOKEN_MESSAGE, DEACTIVATE),
        ("INVALID_ARGUMENT", "Invalid value at 'message.android.ttl'", FAILED),
        ("UNAVAILABLE", None, RETRY),
        ("INTERNAL", None, RETRY),
        ("THIRD_PARTY_AUTH_ERROR", None, FAILED),
    ],
)
def test_each_fcm_error_has_its_outcome(sender, fake_fcm, error_code, message, outcome):
    fake_fcm.fail_identifier("fid-2", error_code, message=message)
    ok, bad = sender.send([push(1), push(2)])
    assert ok.outcome == SENT
    assert (bad.device_id, bad.outcome, bad.error_code, bad.message_id) == (2, outcome, error_code, None)


def test_third_party_auth_error_is_logged_for_the_operator(sender, fake_fcm, caplog):
    fake_fcm.fail_identifier("fid-1", "THIRD_PARTY_AUTH_ERROR")
    with caplog.at_level(logging.ERROR, logger="companion.channels.fcm"):
        sender.send([push()])
    assert any(r.levelno == logging.ERROR and "THIRD_PARTY_AUTH_ERROR" in r.getMessage() for r in caplog.records)


def test_quota_exceeded_backs_off_at_least_a_minute_without_retry_after(sender, fake_fcm):
    fake_fcm.quota_exceeded()
    [result] = sender.send([push()])
    assert (result.outcome, result.error_code) == (BACKOFF, "QUOTA_EXCEEDED")
    assert result.retry_after == DEFAULT_QUOTA_BACKOFF_SECONDS >= 60


def test_quota_exceeded_honours_retry_after_seconds(sender, fake_fcm):
    fake_fcm.quota_exceeded(retry_after=120)
    [result] = sender.send([push()])
    assert (result.outcome, result.retry_after) == (BACKOFF, 120.0)


def test_quota_exceeded_honours_retry_after_as_http_date(sender, fake_fcm):
    fake_fcm.quota_exceeded(
        retry_after=email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    )
    [result] = sender.send([push()])
    assert result.outcome == BACKOFF and 80 <= result.retry_after <= 91


def test_unavailable_passes_retry_after_on_and_is_not_retried_inside_the_sdk(sender, fake_fcm):
    fake_fcm.fail_next(1, 503, "UNAVAILABLE", retry_after=7)
    [result] = sender.send([push()])
    assert (result.outcome, result.retry_after) == (RETRY, 7.0)
    assert fake_fcm.requests == 1  # the dispatcher owns retries


def test_dropped_connection_is_retried_later(sender, fake_fcm):
    fake_fcm.drop_identifier("fid-2")
    ok, dropped = sender.send([push(1), push(2)])
    assert ok.outcome == SENT
    assert (dropped.outcome, dropped.error_code) == (RETRY, "ConnectionError")


def test_timeout_is_retried_later(fcm_config, fake_fcm):
    fake_fcm.delay(1.5)
    sender = FcmSender.from_config({**fcm_config, "FCM_TIMEOUT_SECONDS": 0.3})
    try:
        [result] = sender.send([push()])
    finally:
        sender.close()
    assert (result.outcome, result.error_code) == (RETRY, "ReadTimeout")


def test_token_endpoint_down_retries_every_message_without_sending(sender, fake_fcm):
    fake_fcm.fail_token_endpoint(n=10, status=503)
    results = sender.send([push(1), push(2), push(3)])
    assert [(r.device_id, r.outcome) for r in results] == [(1, RETRY), (2, RETRY), (3, RETRY)]
    assert fake_fcm.requests == 0


def test_a_payload_firebase_rejects_fails_only_that_message(sender, fake_fcm):
    results = sender.send([push(1), push(2, data={"count": 3}), push(3)])
    assert [r.outcome for r in results] == [SENT, FAILED, SENT]
    assert results[1].error_code == "INVALID_PAYLOAD"


def test_legacy_not_registered_code_deactivates():
    error = exceptions.NotFoundError("registration-token-not-registered")
    assert classify(error).outcome == DEACTIVATE


# volume ------------------------------------------------------------------------------


def test_600_messages_go_out_in_chunks_with_one_token_and_a_pool_that_fits(sender, fake_fcm, caplog):
    messages = [push(n) for n in range(600)]
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        results = sender.send(messages)
    assert [r.device_id for r in results] == list(range(600))
    assert {r.outcome for r in results} == {SENT}
    assert fake_fcm.requests == 600
    assert all(fake_fcm.messages_for(f"fid-{n}") == 1 for n in range(600))
    assert fake_fcm.token_requests == 1
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_in_flight_requests_and_connections_stay_within_their_settings(fcm_config, fake_fcm):
    fake_fcm.delay(0.25)
    sender = FcmSender.from_config({**fcm_config, "FCM_MAX_IN_FLIGHT": 4, "FCM_MAX_CONNECTIONS": 4})
    started = time.monotonic()
    try:
        results = sender.send([push(n) for n in range(20)])
    finally:
        sender.close()
    assert {r.outcome for r in results} == {SENT}
    assert time.monotonic() - started >= 5 * 0.25  # 20 requests, at most 4 open at a time
    assert fake_fcm.connections <= 4


def test_a_refused_access_token_is_replaced_before_the_next_batch(sender, fake_fcm):
    sender.send([push(1)])
    fake_fcm.revoke_tokens()
    [refused] = sender.send([push(2)])
    assert (refused.outcome, refused.error_code) == (RETRY, "UNAUTHENTICATED")
    [again] = sender.send([push(2)])
    assert again.outcome == SENT
    assert fake_fcm.token_requests == 2


def test_nothing_but_the_fake_is_contacted(sender, fake_fcm, monkeypatch):
    """google-auth would otherwise look up a regional access boundary at Google."""
    import socket
    import time

    hosts: list[str] = []
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: hosts.append(host) or real(host, *a, **k))
    sender.send([push(1), push(2)])
    # An absence has no event to await: give a background lookup (google-auth runs it on a
    # thread of its own) the time it would take to show.
    time.sleep(0.2)
    assert set(hosts) <= {"127.0.0.1"}
