"""The clinic-webhook lane is fenced like the push lanes: a delivery not started by the claim's
deadline (claim + lease − margin, on the local monotonic clock) is not posted, and the row is
left for whoever takes it once the lease runs out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from companion.channels.log import LogSender
from companion.clinics.models import Clinic
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, metrics
from companion.reminders.models import CLAIMED, SENT, WEBHOOK, Reminder
from devtools.webhook_receiver import WebhookReceiver
from tests.factories import create_clinic
from tests.reminders import rows

LEASE = 2.0  # the margin is then 0.4 s: a delivery may start until 1.6 s after the claim


@pytest.fixture
def hooks(app, local_webhooks, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 10)
    monkeypatch.setitem(app.config, "WEBHOOK_SLOTS_PER_CLINIC", 1)  # one after the other
    monkeypatch.setitem(app.config, "DISPATCH_LEASE_SECONDS", LEASE)
    return app


def _dispatcher(app, name: str) -> Dispatcher:
    return Dispatcher.from_app(app, name=name, sender=LogSender())


def _states(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        found = db.session.execute(db.select(Reminder.status, Reminder.claimed_by).order_by(Reminder.id)).all()
        return [(r.status, r.claimed_by) for r in found]


def test_a_webhook_held_up_past_the_deadline_is_not_posted_and_goes_to_the_next_holder(app, client, hooks):
    """Why: a dispatcher stalled past its lease must not post what another dispatcher now holds."""
    with WebhookReceiver() as receiver:
        clinic = create_clinic(app, "Fenced")
        assert (
            client.patch("/v1/clinic", json={"webhook_url": receiver.url}, headers=clinic["headers"]).status_code == 200
        )
        with app.app_context():
            owner = db.session.get(Clinic, clinic["id"])
            for n in range(2):
                rows.reminder(
                    clinic_of=owner,
                    channel=WEBHOOK,
                    kind="alert.created",
                    payload={"event": "alert.created", "alert": {"n": n}},
                    due_in=-timedelta(minutes=2 - n),
                )
        receiver.delay = LEASE + 0.5  # the first answer comes after the second's deadline
        fenced_before = metrics.FENCED._value.get()

        with app.app_context():
            stats = _dispatcher(app, "stalled").run_pass(budget_seconds=None)

        assert len(receiver.received) == 1
        assert stats.fenced == 1 and stats.handled.get("webhook.sent") == 1
        assert metrics.FENCED._value.get() == fenced_before + 1
        assert _states(app) == [(SENT, None), (CLAIMED, "stalled")]  # not posted, not released

        receiver.delay = 0.0
        clock.freeze(clock.now() + timedelta(seconds=LEASE + 1))
        with app.app_context():
            successor = _dispatcher(app, "successor")
            assert successor.housekeeping()["released_leases"] == 1
            assert successor.run_pass(budget_seconds=None).handled.get("webhook.sent") == 1
            assert successor.run_pass(budget_seconds=None).claimed == 0
        assert len(receiver.received) == 2
        assert _states(app) == [(SENT, None), (SENT, None)]
