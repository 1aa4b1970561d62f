"""Routing: a push whose every device the push service deactivated is followed by the fallback
channel; any number of dispatchers send each patient's message exactly once."""

from __future__ import annotations

import threading
from collections import Counter

from companion.channels.factory import build_contact_senders, build_web_sender
from companion.channels.log import LogSender
from companion.channels.router import PushRouter
from companion.channels.vapid import application_server_key
from companion.core.clock import clock
from companion.devices.models import Device
from companion.reminders import models
from companion.reminders.models import Reminder
from devtools.twilio_server import FakeTwilio
from tests.reminders import rows

PUBLIC = "https://care.example"


def _sms_patient(owner, number: str):
    person = rows.patient(owner)
    person.phone, person.consent_sms = number, True
    rows.db.session.commit()
    return person


def test_a_browser_the_push_service_calls_gone_is_followed_by_an_sms(ctx, make_dispatcher, fake_push, webpush_config):
    clock.freeze(clock.now())
    person = _sms_patient(rows.clinic(name="Clinica Sol"), "+34612345678")
    subscription = fake_push.subscribe(application_server_key(webpush_config))
    browser = rows.device(of=person, kind="webpush", platform="web", identifier=subscription.endpoint)
    keys = subscription.as_json()["keys"]
    browser.p256dh, browser.auth_secret = keys["p256dh"], keys["auth"]
    rows.db.session.commit()
    reminder = rows.reminder(person)
    fake_push.answer_next(subscription.endpoint, 410)
    with FakeTwilio() as twilio:
        config = {**webpush_config, **twilio.config(), "PUBLIC_URL": PUBLIC}
        sender = PushRouter(LogSender(), build_web_sender(config), build_contact_senders(config))
        dispatcher = make_dispatcher(sender, public_url=PUBLIC)
        dispatcher.run_pass()
        assert rows.fresh(Device, browser.id).active is False and twilio.messages == []
        dispatcher.run_pass()
        sender.close()
    assert [m["To"] for m in twilio.messages] == ["+34612345678"]
    assert rows.fresh(Reminder, reminder.id).status == models.SENT


def test_two_dispatchers_send_each_patients_message_once(ctx, make_dispatcher):
    clock.freeze(clock.now())
    owner = rows.clinic(name="Clinica Sol")
    numbers = [f"+346123450{i:02d}" for i in range(40)]
    for number in numbers:
        rows.reminder(_sms_patient(owner, number))
    with FakeTwilio() as twilio:
        config = {**twilio.config(), "PUBLIC_URL": PUBLIC}
        senders = [PushRouter(LogSender(), LogSender(), build_contact_senders(config)) for _ in range(2)]
        dispatchers = [
            make_dispatcher(sender, name=f"d{i}", batch_size=6, public_url=PUBLIC) for i, sender in enumerate(senders)
        ]
        start = threading.Barrier(2)

        def drain(dispatcher) -> None:
            start.wait()
            dispatcher.run_pass(None)

        threads = [threading.Thread(target=drain, args=(d,)) for d in dispatchers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for sender in senders:
            sender.close()
    assert Counter(m["To"] for m in twilio.messages) == Counter(numbers)
