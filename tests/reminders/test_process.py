"""The dispatcher as a real process: --once, the scheduler loop, SIGTERM, SIGKILL mid-batch."""

from __future__ import annotations

import signal
import time
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models
from companion.reminders.models import DispatcherHeartbeat, Reminder
from devtools import processes
from devtools.twilio_server import FakeTwilio
from tests.reminders import rows

pytestmark = pytest.mark.slow


def claimed_by() -> dict[str | None, int]:
    rows.statuses()  # fresh snapshot
    query = (
        select(Reminder.claimed_by, func.count()).where(Reminder.status == models.CLAIMED).group_by(Reminder.claimed_by)
    )
    return dict(db.session.execute(query).all())


def _settle(fake, quiet: float = 0.5) -> None:
    """Wait until no new request has arrived at the fake for `quiet` seconds."""
    seen, since = fake.requests, time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.05)
        if fake.requests != seen:
            seen, since = fake.requests, time.monotonic()


def fcm_settings(config: dict) -> dict[str, str]:
    return {
        "PUSH_BACKEND": "fcm",
        "FIREBASE_CREDENTIALS": config["FIREBASE_CREDENTIALS"],
        "FCM_ENDPOINT": config["FCM_ENDPOINT"],
        "FCM_TIMEOUT_SECONDS": "10",
    }


def test_once_sends_everything_due_and_prints_a_summary(ctx, database_url):
    ids = rows.many_due(50, patients=5)
    person = rows.patient(rows.clinic())
    rows.reminder(person)  # no device: undeliverable

    summary = processes.run_once(database_url, "--name", "cron-1")

    assert (summary["name"], summary["claimed"], summary["sent"], summary["undeliverable"]) == ("cron-1", 51, 50, 1)
    assert summary["lag_ms"] is not None and summary["lost"] == 0
    assert rows.sent_counts() == dict.fromkeys(ids, 1)
    assert db.session.get(DispatcherHeartbeat, "cron-1") is not None
    assert processes.run_once(database_url)["claimed"] == 0


def test_scheduler_loop_sends_new_rows_serves_metrics_and_stops_on_sigint(ctx, database_url, tmp_path):
    port = processes.free_port()
    process = processes.spawn_dispatcher(
        database_url,
        "--name",
        "loop",
        "--interval",
        "0.2",
        "--metrics-port",
        str(port),
        log_path=tmp_path / "dispatcher.log",
    )
    try:
        processes.wait_until(lambda: rows.fresh(DispatcherHeartbeat, "loop"))
        ids = rows.many_due(20, patients=4)
        processes.wait_until(lambda: rows.statuses() == {models.SENT: 20}, timeout=10)
        scrape = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert 'companion_push_sends_total{backend="log",outcome="sent"} 20.0' in scrape
        assert "companion_dispatch_lag_seconds_count 20.0" in scrape
        assert processes.stop(process, signal.SIGINT) == 0
    finally:
        processes.kill(process)
    assert rows.sent_counts() == dict.fromkeys(ids, 1)
    assert "dispatch pass name=loop claimed=20" in (tmp_path / "dispatcher.log").read_text()


def test_sigterm_finishes_the_chunk_in_flight_and_releases_the_rest(ctx, database_url, fake_fcm, fcm_config):
    rows.many_due(1200, patients=40)
    fake_fcm.delay(1.0)
    process = processes.spawn_dispatcher(
        database_url, "--name", "graceful", "--batch", "1000", **fcm_settings(fcm_config)
    )
    try:
        processes.wait_until(lambda: fake_fcm.requests >= 1)  # the first chunk of 500 is on the wire
        assert claimed_by() == {"graceful": 1000}
        assert processes.stop(process, signal.SIGTERM) == 0
    finally:
        processes.kill(process)

    assert claimed_by() == {}
    assert rows.statuses() == {models.SENT: 500, models.PENDING: 700}
    assert sum(rows.sent_counts().values()) == 500
    assert fake_fcm.requests == 500  # the second chunk never left


def test_a_killed_dispatcher_loses_nothing(ctx, database_url, fake_fcm, fcm_config):
    ids = rows.many_due(600, patients=30)
    fake_fcm.delay(2.0)
    settings = {**fcm_settings(fcm_config), "DISPATCH_LEASE_SECONDS": 2}
    victim = processes.spawn_dispatcher(database_url, "--name", "victim", "--batch", "200", **settings)
    try:
        processes.wait_until(lambda: fake_fcm.requests >= 1)
        victim.kill()  # SIGKILL: no cleanup at all
        victim.wait(timeout=10)
    finally:
        processes.kill(victim)
    _settle(fake_fcm)  # requests the victim wrote before dying may still be read by the server
    in_flight = {body["message"]["data"]["reminder_id"] for body in fake_fcm.bodies()}
    stranded = claimed_by()
    assert stranded == {"victim": 200}

    fake_fcm.delay(0)
    processes.wait_until(lambda: _lease_over(), timeout=10)
    summary = processes.run_once(database_url, "--name", "rescuer", **settings)

    assert summary["housekeeping"]["released_leases"] == 200
    assert rows.statuses() == {models.SENT: 600}
    per_reminder = Counter(body["message"]["data"]["reminder_id"] for body in fake_fcm.bodies())
    assert {str(i) for i in ids} == set(per_reminder)  # lost: 0
    duplicates = {rid for rid, n in per_reminder.items() if n > 1}
    assert duplicates <= in_flight  # repeats only within the killed batch
    assert max(per_reminder.values()) == 2
    assert rows.sent_counts() == dict.fromkeys(ids, 1)  # the victim recorded nothing


def _lease_over() -> bool:
    from companion.core.clock import clock

    rows.statuses()
    oldest = db.session.execute(select(func.max(Reminder.lease_until))).scalar()
    return oldest is None or oldest < clock.now()


def test_the_api_process_never_starts_a_scheduler():
    """Every gunicorn worker imports wsgi; none may bring a scheduler with it
    (docs/decisions/0002-scheduler-in-its-own-process.md)."""
    import subprocess
    import sys

    # Short-lived threads (the rate limiter's 10 ms expiry timer) are waited for; a scheduler's never ends.
    probe = (
        "import sys, threading, wsgi; "
        "others = [t for t in threading.enumerate() if t is not threading.main_thread()]; "
        "[t.join(timeout=2) for t in others]; "
        "print(sorted(m for m in sys.modules if m.startswith('apscheduler.schedulers')), "
        "sorted(t.name for t in others if t.is_alive()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=processes.PROJECT_ROOT,
        env=processes.environment("sqlite://"),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert out.strip() == "[] []"


def test_once_also_sends_the_fallback_of_a_must_see_push_nobody_opened(ctx, database_url):
    person = rows.patient(rows.clinic(name="Clinica Sol"))
    person.phone, person.consent_sms = "+34612345678", True
    db.session.commit()
    rows.device(of=person)
    now = clock.now()
    rows.reminder(
        person,
        status=models.SENT,
        sent_at=now - timedelta(hours=3),
        must_see=True,
        fallback_due_at=now - timedelta(hours=1),
        lasts=timedelta(hours=12),
    )
    with FakeTwilio() as twilio:
        summary = processes.run_once(
            database_url, "--name", "cron-2", **twilio.config(PUBLIC_URL="https://care.example")
        )
        assert summary["must_see"] == {"claimed": 1, "sent": 1, "deferred": 0, "not_owed": 0, "undeliverable": 0}
        [sms] = twilio.messages
    assert sms["To"] == "+34612345678" and sms["Body"].startswith("Clinica Sol: ")
    assert processes.run_once(database_url)["must_see"]["claimed"] == 0
