"""The Web Push sender over HTTP to a fake push service that checks VAPID and decrypts
the aes128gcm body with the subscription's private key, as the real services and a
browser do."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from companion.channels.base import DEACTIVATE, FAILED, RETRY, SENT, PushMessage
from companion.channels.factory import build_web_sender
from companion.channels.vapid import application_server_key
from companion.core.clock import clock
from devtools.push_service import BrowserSubscription


@pytest.fixture
def sender(webpush_config):
    clock.freeze(datetime.now(UTC))
    web = build_web_sender(webpush_config)
    yield web
    web.close()


@pytest.fixture
def browser(fake_push, webpush_config) -> BrowserSubscription:
    return fake_push.subscribe(application_server_key(webpush_config))


def push(subscription: BrowserSubscription, *, reminder_id: int = 7, priority: str = "normal", **fields) -> PushMessage:
    keys = subscription.as_json()["keys"]
    values = dict(
        reminder_id=reminder_id,
        device_id=1,
        identifier=subscription.endpoint,
        identifier_kind="webpush",
        platform="web",
        title="Aftercare reminder",
        body="You have a new aftercare step. Open the app to see it.",
        data={"reminder_id": str(reminder_id), "kind": "avoid_makeup"},
        priority=priority,
        expires_at=clock.now() + timedelta(hours=2),
        collapse_key=f"reminder-{reminder_id}",
        thread_id="aftercare",
        keys=(keys["p256dh"], keys["auth"]),
    )
    values.update(fields)
    return PushMessage(**values)


def test_the_browser_decrypts_what_the_service_worker_expects(sender, fake_push, browser):
    [result] = sender.send([push(browser, priority="high")])

    assert result.outcome == SENT and result.message_id.startswith(f"{fake_push.url}/message/")
    [arrived] = fake_push.delivered
    assert arrived.payload == {
        "title": "Aftercare reminder",
        "body": "You have a new aftercare step. Open the app to see it.",
        "url": "/app/reminders/7",
        "tag": "reminder-7",
    }
    assert arrived.headers["ttl"] == str(2 * 3600)
    assert arrived.headers["topic"] == "reminder-7"
    assert arrived.headers["urgency"] == "high"
    assert arrived.claims["aud"] == fake_push.url and arrived.claims["sub"] == "mailto:ops@clinic.example"


def test_a_bundle_gets_a_topic_the_push_service_accepts(sender, fake_push, browser):
    sender.send([push(browser, collapse_key="reminders-11,12,13", reminder_ids=(11, 12, 13))])

    [arrived] = fake_push.delivered
    topic = arrived.headers["topic"]
    assert len(topic) <= 32 and topic.replace("-", "").replace("_", "").isalnum()


def test_one_vapid_token_per_push_service_for_its_lifetime(sender, fake_push, browser):
    sender.send([push(browser), push(browser, reminder_id=8)])
    clock.advance(timedelta(hours=2))
    sender.send([push(browser, reminder_id=9)])
    clock.advance(timedelta(hours=10))  # past the renewal point: a new token
    sender.send([push(browser, reminder_id=10)])

    tokens = [d.headers["authorization"] for d in fake_push.delivered]
    assert len(tokens) == 4 and tokens[0] == tokens[1] == tokens[2] != tokens[3]


@pytest.mark.parametrize(
    ("status", "retry_after", "outcome", "code", "wait"),
    [
        (410, None, DEACTIVATE, "WEBPUSH_GONE", None),
        (404, None, DEACTIVATE, "WEBPUSH_NOT_FOUND", None),
        (429, "120", RETRY, "WEBPUSH_TOO_MANY_REQUESTS", 120.0),
        (413, None, FAILED, "WEBPUSH_TOO_LARGE", None),
        (400, None, FAILED, "WEBPUSH_BAD_REQUEST", None),
        (503, None, RETRY, "WEBPUSH_503", None),
        (500, "30", RETRY, "WEBPUSH_500", 30.0),
    ],
)
def test_push_service_answers_map_to_outcomes(sender, fake_push, browser, status, retry_after, outcome, code, wait):
    fake_push.answer_next(browser.endpoint, status, retry_after=retry_after)

    [result] = sender.send([push(browser)])

    assert (result.outcome, result.error_code, result.retry_after) == (outcome, code, wait)


def test_an_unreachable_push_service_is_retried(sender, fake_push):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription = fake_push.subscribe(sender.signer.key)
    message = push(subscription, identifier=f"http://127.0.0.1:{port}/push/nobody")

    [result] = sender.send([message])

    assert (result.outcome, result.error_code) == (RETRY, "CONNECTION_ERROR")


def test_a_push_service_refuses_a_token_signed_with_another_key(fake_push, webpush_config, sender):
    from py_vapid import Vapid02

    other = Vapid02()
    other.generate_keys()
    stranger = fake_push.subscribe(application_server_key({"VAPID_PRIVATE_KEY": other.private_pem().decode()}))

    [result] = sender.send([push(stranger)])

    assert (result.outcome, result.error_code) == (FAILED, "VAPID_FORBIDDEN")
    assert fake_push.delivered == []


def test_an_endpoint_the_allowed_hosts_no_longer_admit_is_never_contacted(webpush_config, fake_push, browser):
    strict = build_web_sender({**webpush_config, "WEBPUSH_ALLOW_PRIVATE": False})
    try:
        [result] = strict.send([push(browser)])
    finally:
        strict.close()

    assert (result.outcome, result.error_code) == (DEACTIVATE, "ENDPOINT_NOT_ALLOWED")
    assert fake_push.requests == 0


def test_a_redirecting_push_service_is_not_followed(sender, fake_push, browser):
    elsewhere = fake_push.subscribe(sender.signer.key)
    fake_push.answer_next(browser.endpoint, 307, location=elsewhere.endpoint)

    [result] = sender.send([push(browser)])

    assert (result.outcome, result.error_code) == (FAILED, "WEBPUSH_307")
    assert fake_push.requests_for(elsewhere.endpoint) == 0
