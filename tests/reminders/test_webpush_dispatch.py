"""The dispatcher sends browsers their reminders through Web Push (a fake push service that
verifies VAPID and decrypts as a browser), phones through FCM (the fake FCM server), under
the same rules: bundling, retries, expiry, dead devices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels.factory import build_sender
from companion.channels.vapid import application_server_key
from companion.core.clock import clock
from companion.devices.models import Device
from companion.reminders import models
from companion.reminders.models import Reminder
from devtools.push_service import BrowserSubscription, FakePushService
from tests.factories import create_clinic, enroll, sign_in
from tests.reminders import rows


@pytest.fixture
def push_config(fcm_config, webpush_config):
    return {**fcm_config, **webpush_config}


@pytest.fixture
def dispatcher(ctx, push_config, make_dispatcher):
    clock.freeze(clock.now())
    sender = build_sender(push_config)
    yield make_dispatcher(sender)
    sender.close()


def browser_of(person, fake_push: FakePushService, config) -> tuple[Device, BrowserSubscription]:
    subscription = fake_push.subscribe(application_server_key(config))
    keys = subscription.as_json()["keys"]
    device = rows.device(of=person, kind="webpush", platform="web", identifier=subscription.endpoint)
    device.p256dh, device.auth_secret = keys["p256dh"], keys["auth"]
    rows.db.session.commit()
    return device, subscription


def test_the_browser_gets_an_encrypted_neutral_notification(dispatcher, fake_push, push_config):
    owner = rows.clinic(name="Clinica Sol Aesthetics")
    person = rows.patient(owner, locale="es-MX")
    browser, _ = browser_of(person, fake_push, push_config)
    row = rows.reminder(
        person, title="Stop the retinol serum after microneedling", body="Dermapen 1.5 mm: no retinol for 7 days."
    )

    stats = dispatcher.run_pass()

    assert stats.sent == 1
    [arrived] = fake_push.delivered
    assert arrived.payload == {
        "title": "Recordatorio de cuidados",
        "body": arrived.payload["body"],
        "url": f"/app/reminders/{row.id}",
        "tag": f"reminder-{row.id}",
    }
    text = str(arrived.payload).lower()
    for private in (person.display_name, "sol", "retinol", "microneedling", "dermapen", "serum", "mm"):
        assert private.lower() not in text
    assert arrived.headers["topic"] == f"reminder-{row.id}"
    assert 0 < int(arrived.headers["ttl"]) <= 2 * 3600
    [delivery] = rows.deliveries(row.id)
    assert (delivery.backend, delivery.outcome, delivery.device_id) == ("webpush", "sent", browser.id)
    assert rows.fresh(Reminder, row.id).status == models.SENT


def test_a_gone_subscription_is_deactivated_and_never_tried_again(dispatcher, fake_push, push_config):
    person = rows.patient(rows.clinic())
    gone, subscription = browser_of(person, fake_push, push_config)
    phone = rows.device(of=person)
    first = rows.reminder(person)
    later = rows.reminder(person, due_in=timedelta(minutes=10))
    fake_push.unsubscribe(subscription.endpoint)

    dispatcher.run_pass()
    clock.advance(timedelta(minutes=11))
    dispatcher.run_pass()

    device = rows.fresh(Device, gone.id)
    assert (device.active, device.deactivated_reason) == (False, "WEBPUSH_GONE")
    assert fake_push.requests_for(subscription.endpoint) == 1
    assert rows.fresh(Reminder, first.id).status == rows.fresh(Reminder, later.id).status == models.SENT
    assert sorted((d.backend, d.outcome) for d in rows.deliveries(first.id)) == [
        ("fcm", "sent"),
        ("webpush", "deactivated"),
    ]
    assert [d.device_id for d in rows.deliveries(later.id)] == [phone.id]


def test_too_many_requests_waits_for_retry_after_while_phones_go_on(dispatcher, fake_push, fake_fcm, push_config):
    busy = rows.patient(rows.clinic())
    _, subscription = browser_of(busy, fake_push, push_config)
    other = rows.patient(rows.clinic())
    phone = rows.device(of=other)
    waiting, phones = rows.reminder(busy), rows.reminder(other)
    fake_push.answer_next(subscription.endpoint, 429, retry_after=300)

    stats = dispatcher.run_pass()

    row = rows.fresh(Reminder, waiting.id)
    assert (row.status, row.attempts, row.last_error) == (models.PENDING, 1, "WEBPUSH_TOO_MANY_REQUESTS")
    assert row.available_at >= clock.now() + timedelta(seconds=300)
    assert stats.sent == 1 and rows.fresh(Reminder, phones.id).status == models.SENT
    assert fake_fcm.messages_for(phone.identifier) == 1
    clock.advance(timedelta(seconds=299))
    dispatcher.run_pass()
    assert fake_push.requests_for(subscription.endpoint) == 1
    clock.advance(timedelta(seconds=2))
    dispatcher.run_pass()
    assert rows.fresh(Reminder, waiting.id).status == models.SENT
    assert len(fake_push.delivered) == 1


def test_a_push_service_outage_is_retried_but_never_past_the_reminders_window(dispatcher, fake_push, push_config):
    person = rows.patient(rows.clinic())
    _, subscription = browser_of(person, fake_push, push_config)
    soon = rows.reminder(person, lasts=timedelta(minutes=30))
    fake_push.answer_next(subscription.endpoint, 503)

    dispatcher.run_pass()
    assert rows.fresh(Reminder, soon.id).status == models.PENDING
    clock.advance(timedelta(seconds=10))
    dispatcher.run_pass()
    assert rows.fresh(Reminder, soon.id).status == models.SENT

    late = rows.reminder(person, lasts=timedelta(minutes=30))
    fake_push.answer_next(subscription.endpoint, 503, retry_after=3600)
    dispatcher.run_pass()
    assert rows.fresh(Reminder, late.id).status == models.EXPIRED
    assert [p.payload["tag"] for p in fake_push.delivered] == [f"reminder-{soon.id}"]


def test_phone_and_browser_each_get_one_push_for_a_bundle(ctx, push_config, make_dispatcher, fake_push, fake_fcm):
    clock.freeze(clock.now())
    sender = build_sender(push_config)
    bundling = make_dispatcher(sender, bundle_window=timedelta(minutes=10))
    person = rows.patient(rows.clinic(), locale="en")
    phone = rows.device(of=person)
    browser, _ = browser_of(person, fake_push, push_config)
    first = rows.reminder(person, due_in=timedelta(0))
    second = rows.reminder(person, due_in=timedelta(minutes=4), kind="hydration")
    third = rows.reminder(person, due_in=timedelta(minutes=7), kind="checkin_prompt", priority="high")
    try:
        bundling.run_pass()
        assert fake_fcm.requests == fake_push.requests == 0  # waiting for the rest of the bundle
        clock.advance(timedelta(minutes=7))
        bundling.run_pass()
        clock.advance(timedelta(minutes=30))
        bundling.run_pass()
    finally:
        sender.close()

    [to_phone] = [r.body["message"] for r in fake_fcm.received]
    [to_browser] = fake_push.delivered
    assert to_phone["data"]["reminder_ids"] == f"{first.id},{second.id},{third.id}"
    assert to_phone["notification"]["title"] == to_browser.payload["title"] == "3 aftercare updates"
    assert to_browser.payload["url"] == f"/app/reminders/{first.id}"
    assert to_browser.headers["urgency"] == "high"
    for row in (first, second, third):
        assert rows.fresh(Reminder, row.id).status == models.SENT
        assert sorted((d.backend, d.device_id) for d in rows.deliveries(row.id)) == [
            ("fcm", phone.id),
            ("webpush", browser.id),
        ]


def test_only_a_registered_subscription_is_ever_contacted(
    app, client, ctx, make_dispatcher, fake_push, push_config, monkeypatch
):
    me = sign_in(client, enroll(client, create_clinic(app))["enrollment_code"])
    patient = rows.fresh(rows.Patient, client.get("/v1/me", headers=me).get_json()["id"])
    patient.quiet_start = patient.quiet_end = "00:00"  # any hour of the day the test runs
    rows.db.session.commit()
    refused = fake_push.subscribe(application_server_key(app.config))  # the key the web app hands the browser
    accepted = fake_push.subscribe(application_server_key(app.config))

    monkeypatch.setitem(app.config, "WEBPUSH_ALLOW_PRIVATE", False)  # production: loopback endpoints are refused
    answer = client.post("/v1/me/devices", json={"platform": "web", "subscription": refused.as_json()}, headers=me)
    monkeypatch.setitem(app.config, "WEBPUSH_ALLOW_PRIVATE", True)
    ok = client.post("/v1/me/devices", json={"platform": "web", "subscription": accepted.as_json()}, headers=me)
    row = rows.reminder(patient)
    sender = build_sender({**push_config, "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"]})
    try:
        make_dispatcher(sender).run_pass()
    finally:
        sender.close()

    assert (answer.status_code, ok.status_code) == (422, 201)
    assert fake_push.requests_for(refused.endpoint) == 0
    assert fake_push.requests_for(accepted.endpoint) == 1
    assert [p.payload["url"] for p in fake_push.delivered] == [f"/app/reminders/{row.id}"]


def test_with_nothing_configured_a_browser_push_goes_to_the_log(ctx, make_dispatcher, fake_push, webpush_config):
    """`make run` needs no VAPID contact: browser pushes are logged and recorded, never sent."""
    person = rows.patient(rows.clinic())
    _, subscription = browser_of(person, fake_push, webpush_config)
    row = rows.reminder(person)
    sender = build_sender({"PUSH_BACKEND": "log"})

    stats = make_dispatcher(sender).run_pass()

    assert stats.sent == 1 and fake_push.requests == 0
    [delivery] = rows.deliveries(row.id)
    assert (delivery.backend, delivery.outcome) == ("log", "sent")
