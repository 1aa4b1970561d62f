"""The first month after one session for four kinds of patient, replayed through the real API,
planner and dispatcher with a moved clock, counting what each patient receives.

Pushes go to the log sender (counted on their way), SMS to a fake Twilio over HTTP and
e-mail to a local SMTP server. The clock stops at every moment something falls due (a
reminder, or a must-see reminder's fallback) and the dispatcher runs there, as its
interval jobs would; the patient who opens everything has the app fetch each reminder
a push carried at once.

    .venv/bin/python -m tests.reminders.stories_first_month    # prints messages per patient
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from companion.channels.base import CONTACT_KINDS, PushMessage, PushResult
from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.models import Delivery
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, DispatchSettings
from companion.reminders.models import PENDING, Reminder
from tests.factories import create_clinic, enroll, record_treatment, sign_in

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # 11:00 in Madrid, a Monday
MONTH = timedelta(days=30)
PUBLIC = "https://care.example"


@dataclass(frozen=True)
class Patient:
    """Who the story is about: whether they have the app, open its pushes, and consented to SMS."""

    title: str
    app: bool
    opens: bool
    sms: bool


PATIENTS = (
    Patient("app user who opens everything", app=True, opens=True, sms=True),
    Patient("app user who ignores pushes", app=True, opens=False, sms=True),
    Patient("no app, SMS consent", app=False, opens=False, sms=True),
    Patient("no app, no consent", app=False, opens=False, sms=False),
)


class CountingLog(LogSender):
    """The log sender, counting the pushes it is handed (one per phone per bundle)."""

    def __init__(self) -> None:
        self.pushed: list[PushMessage] = []

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        self.pushed += messages
        return super().send(messages)


@dataclass
class Tally:
    pushes: int = 0
    sms: int = 0
    emails: int = 0
    reminders_sent: int = 0
    must_see_sent: int = 0
    fallbacks: Counter[int] = field(default_factory=Counter)  # reminder id -> SMS/e-mails that covered it
    sms_bodies: list[str] = field(default_factory=list)
    unreachable: int | None = None


class Story:
    def __init__(self, app: Any, client: Any, who: Patient, twilio: Any, smtp: Any) -> None:
        self.app, self.client, self.who, self.twilio, self.smtp = app, client, who, twilio, smtp
        clock.freeze(START)
        self.clinic = create_clinic(app, "Clinica Sol")
        contact = {"phone": "612 345 678", "consent": {"sms": True}} if who.sms else {}
        self.patient = enroll(client, self.clinic, locale="en", **contact)
        self.headers = sign_in(client, self.patient["enrollment_code"]) if who.app else None
        if self.headers is not None:
            response = client.post(
                "/v1/me/devices", json={"fid": "story-phone", "platform": "android"}, headers=self.headers
            )
            assert response.status_code == 201, response.get_json()
        self.native = CountingLog()
        config = {**twilio.config(), "SMTP_URL": smtp.url, "EMAIL_FROM": "Clinica Sol <care@clinica.example>"}
        self.sender = PushRouter(self.native, LogSender(), build_contact_senders({**config, "PUBLIC_URL": PUBLIC}))
        with app.app_context():
            self.dispatcher = Dispatcher(
                db.engine, self.sender, name="story", settings=DispatchSettings(public_url=PUBLIC)
            )
        self.contacted: list[PushMessage] = []

    def play(self) -> Tally:
        record_treatment(self.client, self.clinic, self.patient["id"], performed_at=START)
        until = START + MONTH
        while (moment := self._next_due()) is not None and moment <= until:
            clock.freeze(max(moment, clock.now()) + timedelta(seconds=1))
            before = len(self.native.pushed)
            with self.app.app_context():
                self.dispatcher.run_pass()
                self.dispatcher.follow_unopened()
            if self.who.opens:
                for message in self.native.pushed[before:]:
                    for reminder_id in message.covers:
                        response = self.client.get(f"/v1/me/reminders/{reminder_id}", headers=self.headers)
                        assert response.status_code == 200
        clock.freeze(until)
        self.sender.close()
        return self._tally()

    def _next_due(self) -> datetime | None:
        """The next moment the dispatcher has work: a pending reminder, or a fallback owed."""
        now = clock.now()
        with self.app.app_context():
            pending = db.session.scalar(
                db.select(db.func.min(Reminder.available_at)).where(
                    Reminder.status == PENDING, Reminder.expires_at > now
                )
            )
            owed = db.session.scalar(db.select(db.func.min(Reminder.fallback_due_at)))
            db.session.remove()
        moments = [m for m in (pending, owed) if m is not None]
        return min(moments) if moments else None

    def _tally(self) -> Tally:
        tally = Tally(pushes=len(self.native.pushed), sms=len(self.twilio.messages), emails=len(self.smtp.received))
        tally.sms_bodies = [m["Body"] for m in self.twilio.messages]
        mine = Reminder.patient_id == self.patient["id"]
        with self.app.app_context():
            sent = db.select(db.func.count()).where(mine, Reminder.sent_at.is_not(None))
            tally.reminders_sent = db.session.scalar(sent) or 0
            tally.must_see_sent = db.session.scalar(sent.where(Reminder.must_see.is_(True))) or 0
            for (reminder_id,) in db.session.execute(
                db.select(Delivery.reminder_id)
                .join(Reminder, Reminder.id == Delivery.reminder_id)
                .where(mine, Delivery.channel.in_(CONTACT_KINDS), Delivery.outcome == "sent")
            ):
                tally.fallbacks[reminder_id] += 1
            db.session.remove()
        report = self.client.get(
            "/v1/reports/engagement",
            query_string={"from": START.date().isoformat(), "to": (START + MONTH).date().isoformat()},
            headers=self.clinic["headers"],
        )
        if report.status_code == 200:
            tally.unreachable = report.get_json().get("unreachable_patients")
        return tally


def replay(app: Any, who: Patient) -> Tally:
    """One patient's first month on a fresh fake Twilio and SMTP server."""
    from devtools.smtp_server import SmtpServer
    from devtools.twilio_server import FakeTwilio

    with FakeTwilio() as twilio, SmtpServer() as smtp:
        try:
            return Story(app, app.test_client(), who, twilio, smtp).play()
        finally:
            clock.unfreeze()


def main() -> None:
    import logging

    from tests import dbutil

    with dbutil.story_app() as app:
        logging.disable(logging.INFO)
        print("first 30 days after one session (microneedling-face, Madrid, quiet 21:00-08:00), fallback after 120 min")
        print(f"{'patient':32s} {'pushes':>6s} {'SMS':>4s} {'e-mails':>7s}  reminders sent (must-see)  unreachable")
        for who in PATIENTS:
            tally = replay(app, who)
            print(
                f"{who.title:32s} {tally.pushes:6d} {tally.sms:4d} {tally.emails:7d}  "
                f"{tally.reminders_sent:14d} ({tally.must_see_sent})"
                f"{'':9s}  {tally.unreachable if tally.unreachable is not None else '-'}"
            )
            with app.app_context():
                dbutil.truncate_all(db)


if __name__ == "__main__":
    main()
