"""A must-see reminder pushed to the app and not opened gets one SMS (a fake Twilio) after
COMPANION_FALLBACK_AFTER_MINUTES, under the fallback's rules: none once opened, none a
second time, none in quiet hours (it waits for their end), none after expiry, one message
per patient, exactly once with two dispatchers."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.models import Delivery
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.patients.models import Patient
from companion.reminders.models import Reminder
from devtools.twilio_server import FakeTwilio
from tests.factories import create_clinic, enroll, sign_in
from tests.reminders import rows

PUBLIC = "https://care.example"
AFTER = timedelta(minutes=120)


@pytest.fixture
def twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def build(ctx, twilio, make_dispatcher):
    """Dispatchers that push through the log and text through the fake Twilio."""
    clock.freeze(clock.now())
    senders = []

    def make(name: str = "test-dispatcher"):
        sender = PushRouter(LogSender(), LogSender(), build_contact_senders({**twilio.config(), "PUBLIC_URL": PUBLIC}))
        senders.append(sender)
        return make_dispatcher(sender, name=name, public_url=PUBLIC, fallback_after=AFTER)

    yield make
    for sender in senders:
        sender.close()


@pytest.fixture
def dispatch(build):
    return build()


def app_user(client, app, *, quiet=("00:00", "00:00")):
    """Enrolled through the API with SMS consent, signed in, one phone registered."""
    clinic = create_clinic(app, "Clinica Sol")
    enrolled = enroll(client, clinic, phone="612 345 678", consent={"sms": True})
    headers = sign_in(client, enrolled["enrollment_code"])
    person = db.session.get_one(Patient, enrolled["id"])
    person.quiet_start, person.quiet_end = quiet
    db.session.commit()
    rows.device(of=person)
    return person, headers


def pushed(dispatch, person, *, lasts=timedelta(hours=12), must_see=True):
    reminder = rows.reminder(person, lasts=lasts, must_see=must_see, kind="checkin_prompt")
    assert dispatch.run_pass().sent == 1
    return reminder


def later(delta):
    clock.freeze(clock.now() + delta)


def test_an_unopened_must_see_push_gets_one_sms_after_the_delay_and_never_a_second(app, client, dispatch, twilio):
    person, _ = app_user(client, app)
    reminder = pushed(dispatch, person)
    later(AFTER - timedelta(minutes=1))
    dispatch.follow_unopened()
    assert twilio.messages == []
    later(timedelta(minutes=2))
    assert dispatch.follow_unopened()["sent"] == 1
    [sms] = twilio.messages
    assert sms["To"] == "+34612345678" and sms["Body"].startswith("Clinica Sol: ")
    later(AFTER * 3)
    dispatch.run_pass()
    dispatch.follow_unopened()
    assert len(twilio.messages) == 1
    channels = db.session.scalars(db.select(Delivery.channel).where(Delivery.reminder_id == reminder.id)).all()
    assert sorted(channels) == ["push", "sms"]
    assert rows.fresh(Reminder, reminder.id).fallback_due_at is None


@pytest.mark.parametrize("action", ["open", "ack"])
def test_an_opened_or_acknowledged_push_gets_no_sms(app, client, dispatch, twilio, action):
    person, headers = app_user(client, app)
    reminder = pushed(dispatch, person)
    later(timedelta(minutes=30))
    if action == "open":
        assert client.get(f"/v1/me/reminders/{reminder.id}", headers=headers).status_code == 200
    else:
        assert client.post(f"/v1/me/reminders/{reminder.id}/ack", headers=headers).status_code == 200
    later(AFTER)
    dispatch.follow_unopened()
    assert twilio.messages == []
    assert rows.fresh(Reminder, reminder.id).fallback_due_at is None


def test_a_reminder_that_is_not_must_see_gets_no_sms(app, client, dispatch, twilio):
    person, _ = app_user(client, app)
    pushed(dispatch, person, must_see=False)
    later(AFTER * 2)
    dispatch.follow_unopened()
    assert twilio.messages == []


def test_in_quiet_hours_the_sms_waits_for_their_end(app, client, dispatch, twilio):
    person, _ = app_user(client, app)
    reminder = pushed(dispatch, person, lasts=timedelta(days=2))
    # The patient's quiet hours now cover the moment the fallback falls due.
    local = (clock.now() + AFTER).astimezone(ZoneInfo(person.timezone))
    start, end = (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=2)).strftime("%H:%M")
    person = rows.fresh(Patient, person.id)
    person.quiet_start, person.quiet_end = start, end
    db.session.commit()
    later(AFTER + timedelta(minutes=1))
    assert dispatch.follow_unopened()["deferred"] == 1
    assert twilio.messages == []
    waits = rows.fresh(Reminder, reminder.id).fallback_due_at
    assert waits is not None and waits.astimezone(local.tzinfo).strftime("%H:%M") == end
    clock.freeze(waits + timedelta(seconds=1))
    dispatch.follow_unopened()
    assert len(twilio.messages) == 1


def test_after_expiry_no_sms(app, client, dispatch, twilio):
    person, _ = app_user(client, app)
    reminder = pushed(dispatch, person, lasts=timedelta(hours=1))
    later(AFTER + timedelta(minutes=1))
    dispatch.follow_unopened()
    assert twilio.messages == []
    assert rows.fresh(Reminder, reminder.id).fallback_due_at is None


def test_a_patients_fallbacks_due_together_leave_as_one_sms(app, client, build, twilio):
    dispatch = build()
    person, _ = app_user(client, app)
    ids = [rows.reminder(person, must_see=True, lasts=timedelta(hours=12)).id for _ in range(3)]
    assert dispatch.run_pass().sent == 3
    later(AFTER + timedelta(minutes=1))
    dispatch.follow_unopened()
    [sms] = twilio.messages
    assert sms["Body"].startswith("3 novedades de Clinica Sol.")  # enrolled in Spanish
    texted = db.session.scalars(db.select(Delivery.reminder_id).where(Delivery.channel == "sms")).all()
    assert sorted(texted) == sorted(ids)


def test_a_reminder_already_sent_by_sms_for_want_of_an_app_gets_nothing_more(app, client, dispatch, twilio):
    clinic = create_clinic(app, "Clinica Sol")
    enrolled = enroll(client, clinic, phone="612 345 678", consent={"sms": True})
    person = db.session.get_one(Patient, enrolled["id"])
    person.quiet_start, person.quiet_end = "00:00", "00:00"
    db.session.commit()
    reminder = rows.reminder(person, must_see=True, lasts=timedelta(hours=12))
    dispatch.run_pass()
    assert len(twilio.messages) == 1
    assert rows.fresh(Reminder, reminder.id).fallback_due_at is None
    later(AFTER * 2)
    dispatch.follow_unopened()
    assert len(twilio.messages) == 1


def test_two_dispatchers_send_each_fallback_exactly_once(app, client, build, twilio):
    first, second = build("dispatcher-a"), build("dispatcher-b")
    people = [app_user(client, app)[0] for _ in range(6)]
    for person in people:
        rows.reminder(person, must_see=True, lasts=timedelta(hours=12))
    first.run_pass()
    later(AFTER + timedelta(minutes=1))
    start = threading.Barrier(2)
    counts = []

    def run(dispatcher):
        with app.app_context():
            start.wait()
            counts.append(dispatcher.follow_unopened()["sent"])

    threads = [threading.Thread(target=run, args=(d,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 6
    assert sorted(m["To"] for m in twilio.messages) == ["+34612345678"] * 6
    assert db.session.scalar(db.select(db.func.count()).select_from(Delivery).where(Delivery.channel == "sms")) == 6


def test_the_fallback_query_reads_the_partial_index_not_every_sent_reminder(ctx):
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            plan = connection.execute(
                text("EXPLAIN SELECT id FROM reminders WHERE fallback_due_at <= now() ORDER BY fallback_due_at LIMIT 5")
            ).scalars()
        else:
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM reminders WHERE fallback_due_at <= '2030-01-01' "
                    "ORDER BY fallback_due_at LIMIT 5"
                )
            ).all()
        shown = " ".join(str(line) for line in plan)
    assert "ix_reminders_fallback_due" in shown
