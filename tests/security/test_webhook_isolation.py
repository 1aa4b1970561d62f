"""Finding 2: one clinic's webhook never delays another's. Deliveries run concurrently with a
bound per clinic; a failing endpoint trips that clinic's circuit breaker (shown in the console);
finding 7's event ids are random and kept across retries."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from companion.channels.log import LogSender
from companion.clinics.models import Clinic
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher
from companion.reminders.models import PENDING, WEBHOOK, Reminder
from devtools.hostile_endpoints import HostileEndpoint
from devtools.webhook_receiver import WebhookReceiver
from tests.console.helpers import make_staff
from tests.console.helpers import sign_in as console_sign_in
from tests.factories import create_clinic, enroll, sign_in
from tests.reminders import rows

TIMEOUT = 1.0


def _clinic_with_hook(app, client, name: str, url: str) -> dict:
    clinic = create_clinic(app, name)
    assert client.patch("/v1/clinic", json={"webhook_url": url}, headers=clinic["headers"]).status_code == 200
    return clinic


def _queue(app, clinic: dict, count: int, due_minutes_ago: int) -> None:
    with app.app_context():
        owner = db.session.get(Clinic, clinic["id"])
        for n in range(count):
            rows.reminder(
                clinic_of=owner,
                channel=WEBHOOK,
                kind="alert.created",
                payload={"event": "alert.created", "alert": {"n": n}},
                due_in=-timedelta(minutes=due_minutes_ago),
            )


def _pass(app) -> dict:
    with app.app_context():
        return Dispatcher.from_app(app, name="webhook-pass", sender=LogSender()).run_pass(budget_seconds=None)


@pytest.fixture
def hooks(app, local_webhooks, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", TIMEOUT)
    return app


def test_black_holed_receiver_of_one_clinic_does_not_delay_another(app, client, hooks):
    with HostileEndpoint("silent") as hole, WebhookReceiver() as receiver:
        slow = _clinic_with_hook(app, client, "Black hole", hole.url)
        quick = _clinic_with_hook(app, client, "Quick", receiver.url)
        _queue(app, slow, 8, due_minutes_ago=30)  # older: sequential delivery would send these first
        _queue(app, quick, 1, due_minutes_ago=1)
        started = time.monotonic()
        _pass(app)
        assert len(receiver.received) == 1
        assert receiver.received[0]["at"] - started < TIMEOUT + 0.5
        assert hole.requests <= 5 + 1  # the breaker stopped it (one more was already in its other slot)


def test_failing_endpoint_trips_its_clinics_breaker_and_the_console_shows_it(app, client, hooks, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_BREAKER_FAILURES", 3)
    monkeypatch.setitem(app.config, "WEBHOOK_SLOTS_PER_CLINIC", 1)
    with WebhookReceiver() as receiver:
        receiver.answer_next(*[503] * 10)
        clinic = _clinic_with_hook(app, client, "Flaky", receiver.url)
        _queue(app, clinic, 5, due_minutes_ago=5)
        _pass(app)
        assert len(receiver.received) == 3
        with app.app_context():
            owner = db.session.get(Clinic, clinic["id"])
            assert owner.webhook_failures == 3 and owner.webhook_last_error == "HTTP 503"
            paused_until = owner.webhook_paused_until
            assert paused_until > clock.now() + timedelta(minutes=4)
            waiting = db.session.scalars(db.select(Reminder).where(Reminder.attempts == 0)).all()
            assert [(r.status, r.available_at) for r in waiting] == [(PENDING, paused_until)] * 2
        _pass(app)
        assert len(receiver.received) == 3  # left alone while paused
        console = app.test_client()
        console_sign_in(console, "admin@flaky.test", make_staff(app, clinic["id"], "admin@flaky.test"))
        page = console.get("/console/settings").get_data(as_text=True)
        assert "after 3 failed deliveries in a row (last: HTTP 503)" in page
        clock.freeze(paused_until + timedelta(seconds=1))
        receiver._statuses.clear()
        _pass(app)
        assert len(receiver.received) >= 4  # tried again after the pause, and it answered
        with app.app_context():
            owner = db.session.get(Clinic, clinic["id"])
            assert (owner.webhook_failures, owner.webhook_paused_until) == (0, None)


def test_event_ids_are_random_and_kept_across_retries(app, client, hooks):
    with WebhookReceiver() as receiver:
        clinic = _clinic_with_hook(app, client, "Ids", receiver.url)
        for _ in range(2):
            patient = enroll(client, clinic)
            me = sign_in(client, patient["enrollment_code"])
            urgent = {"ratings": {}, "red_flags": {"fever": True}}
            assert client.post("/v1/me/checkins", json=urgent, headers=me).status_code == 201
        receiver.answer_next(503)
        _pass(app)
        clock.freeze(clock.now() + timedelta(minutes=30))
        _pass(app)
        ids = [json.loads(hit["body"])["id"] for hit in receiver.received]
        assert len(ids) == 3 and all(re.fullmatch(r"evt_[0-9a-f]{32}", i) for i in ids)
        assert len(set(ids)) == 2  # the refused event came again with its own id
        with app.app_context():
            row_ids = {f"evt_{r}" for r in db.session.scalars(db.select(Reminder.id))}
        assert not set(ids) & row_ids
