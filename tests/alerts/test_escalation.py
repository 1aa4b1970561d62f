"""Alerts reach clinic staff at once (quiet hours do not apply) and the clinic's webhook, signed."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from companion.channels.factory import build_sender
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher
from devtools.webhook_receiver import WebhookReceiver
from tests.factories import treated_patient

# 03:00 in Madrid: deep inside the patient's quiet hours.
NIGHT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
def treated(app, client):
    clock.freeze(NIGHT - timedelta(hours=30))
    story = treated_patient(app, client, performed_at=clock.now() - timedelta(minutes=5))
    client.post(
        "/v1/clinic/devices",
        json={"token": "nurse-phone", "platform": "android", "staff_name": "Marta"},
        headers=story["clinic"]["headers"],
    )
    clock.freeze(NIGHT)
    return story


@pytest.fixture
def dispatcher(app, fcm_config):
    sender = build_sender(fcm_config)
    yield Dispatcher.from_app(app, name="escalation-test", sender=sender)
    sender.close()


def _pass(app, dispatcher):
    with app.app_context():
        return dispatcher.run_pass()


def test_urgent_alert_is_pushed_to_staff_at_night_with_high_priority(app, client, treated, dispatcher, fake_fcm):
    result = client.post(
        "/v1/me/checkins", json={"ratings": {}, "red_flags": {"spreading_redness": True}}, headers=treated["headers"]
    ).get_json()
    assert result["outcome"] == "urgent"
    _pass(app, dispatcher)
    [message] = [r.body["message"] for r in fake_fcm.received if r.identifier == "nurse-phone"]
    assert message["android"]["priority"] == "high"
    assert message["data"]["kind"] == "alert_urgent"
    # Staff pushes are neutral too: no symptoms on a lock screen.
    assert "spreading" not in json.dumps(message["notification"])


def test_expected_checkin_pushes_nothing_to_staff(app, client, treated, dispatcher, fake_fcm):
    clock.freeze(NIGHT - timedelta(hours=10))
    client.post("/v1/me/checkins", json={"ratings": {"redness": 1}}, headers=treated["headers"])
    _pass(app, dispatcher)
    assert fake_fcm.messages_for("nurse-phone") == 0


def test_unacknowledged_urgent_alert_is_sent_again(app, client, treated, dispatcher, fake_fcm):
    alert_id = client.post(
        "/v1/me/checkins", json={"ratings": {}, "red_flags": {"fever": True}}, headers=treated["headers"]
    ).get_json()["alert_id"]
    _pass(app, dispatcher)
    with app.app_context():  # the dispatcher's housekeeping re-sends after 15 minutes
        assert dispatcher.housekeeping()["urgent_resends"] == 0  # too early
        clock.advance(timedelta(minutes=16))
        assert dispatcher.housekeeping()["urgent_resends"] == 1
    _pass(app, dispatcher)
    assert fake_fcm.messages_for("nurse-phone") == 2
    client.post(f"/v1/alerts/{alert_id}/acknowledge", headers=treated["clinic"]["headers"])
    clock.advance(timedelta(minutes=30))
    with app.app_context():
        assert dispatcher.housekeeping()["urgent_resends"] == 0


def test_webhook_is_signed_and_retried(app, client, treated, dispatcher, local_webhooks):
    with WebhookReceiver() as receiver:
        settings = client.patch(
            "/v1/clinic", json={"webhook_url": receiver.url}, headers=treated["clinic"]["headers"]
        ).get_json()
        secret = settings["webhook_secret"]
        assert client.get("/v1/clinic", headers=treated["clinic"]["headers"]).get_json().get("webhook_secret") is None
        receiver.answer_next(503)
        alert_id = client.post(
            "/v1/me/checkins", json={"ratings": {}, "red_flags": {"blisters": True}}, headers=treated["headers"]
        ).get_json()["alert_id"]
        _pass(app, dispatcher)
        assert len(receiver.received) == 1  # refused once
        _pass(app, dispatcher)
        assert len(receiver.received) == 1  # waits for its backoff, no tight loop
        clock.advance(timedelta(minutes=20))
        _pass(app, dispatcher)
        assert len(receiver.received) == 2
        delivered = receiver.received[-1]
        headers, body = delivered["headers"], delivered["body"]
        expected = hmac.new(
            secret.encode(), headers["X-Companion-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["X-Companion-Signature"] == f"sha256={expected}"
        event = json.loads(body)
        assert event["event"] == "alert.created" and event["alert"]["id"] == alert_id
        assert event["alert"]["severity"] == "urgent"
        _pass(app, dispatcher)
        assert len(receiver.received) == 2  # delivered once, not again


def test_webhook_4xx_is_final(app, client, treated, dispatcher, local_webhooks):
    from companion.reminders.models import Reminder

    with WebhookReceiver() as receiver:
        client.patch("/v1/clinic", json={"webhook_url": receiver.url}, headers=treated["clinic"]["headers"])
        receiver.answer_next(410)
        client.post("/v1/me/checkins", json={"ratings": {}, "red_flags": {"fever": True}}, headers=treated["headers"])
        _pass(app, dispatcher)
        clock.advance(timedelta(hours=1))
        _pass(app, dispatcher)
        assert len(receiver.received) == 1
    with app.app_context():
        row = db.session.scalar(db.select(Reminder).where(Reminder.channel == "webhook"))
        assert (row.status, row.last_error) == ("failed", "HTTP 410")
