"""Finding 1: a clinic's webhook URL cannot reach inside our network, at save time or at send time,
and a hostile endpoint can hold a delivery no longer than its deadline nor fill our memory."""

from __future__ import annotations

import time

import pytest

from companion.channels.log import LogSender
from companion.core import webhook_client
from companion.core.webhook_targets import UnsafeTarget, check_url
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher
from companion.reminders.models import Reminder
from devtools.dns import FakeDns
from devtools.hostile_endpoints import HostileEndpoint
from devtools.webhook_receiver import WebhookReceiver
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DNS = FakeDns(
    {
        "hooks.example.test": ["93.184.215.14"],
        "intranet.example.test": ["10.1.2.3"],
        "mixed.example.test": ["93.184.215.14", "127.0.0.1"],
        "v6loop.example.test": ["::1"],
        "mapped.example.test": ["::ffff:10.0.0.1"],
        "metadata.example.test": ["169.254.169.254"],
        "cgnat.example.test": ["100.64.0.7"],
    }
)

REFUSED = [
    "http://hooks.example.test/alerts",  # plain http
    "https://127.0.0.1:5432/",
    "https://localhost:8000/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hooks",
    "https://0x7f000001/",
    "https://2130706433/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://240.0.0.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[fe80::1]/",
    "https://[fc00::1]/",
    "https://[64:ff9b::7f00:1]/",
    "https://[::]/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://intranet.example.test/hooks",  # DNS names resolving to private addresses
    "https://mixed.example.test/hooks",  # one public and one loopback answer: every address counts
    "https://v6loop.example.test/",
    "https://mapped.example.test/",
    "https://metadata.example.test/",
    "https://cgnat.example.test/",
    "https://nowhere.example.test/",  # does not resolve
    "https://user:secret@hooks.example.test/",
    "ftp://hooks.example.test/",
]


@pytest.fixture
def dns(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_RESOLVER", DNS)
    return DNS


@pytest.mark.parametrize("url", REFUSED)
def test_unsafe_webhook_url_is_refused_with_422(app, client, dns, url):
    clinic = create_clinic(app)
    response = client.patch("/v1/clinic", json={"webhook_url": url}, headers=clinic["headers"])
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]["webhook_url"]
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["webhook_url"] is None


def test_public_https_webhook_url_is_accepted(app, client, dns):
    clinic = create_clinic(app)
    response = client.patch(
        "/v1/clinic", json={"webhook_url": "https://hooks.example.test/alerts?x=1"}, headers=clinic["headers"]
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["webhook_secret"]


def test_the_development_setting_allows_loopback_and_http():
    target = check_url("http://localhost:8080/h", allow_private=True, resolve=FakeDns({"localhost": ["127.0.0.1"]}))
    assert (target.addresses, target.port, target.path) == (("127.0.0.1",), 8080, "/h")
    with pytest.raises(UnsafeTarget):
        check_url("http://localhost:8080/h", allow_private=False, resolve=FakeDns({"localhost": ["127.0.0.1"]}))


@pytest.fixture
def alerting(app, client):
    """A clinic with a staff phone and a signed-in patient who can raise urgent alerts."""
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    record_treatment(client, clinic, patient["id"])
    client.post("/v1/clinic/devices", json={"token": "nurse-phone", "platform": "android"}, headers=clinic["headers"])
    return {"clinic": clinic, "headers": sign_in(client, patient["enrollment_code"])}


def _urgent(client, alerting) -> None:
    response = client.post(
        "/v1/me/checkins", json={"ratings": {}, "red_flags": {"fever": True}}, headers=alerting["headers"]
    )
    assert response.get_json()["outcome"] == "urgent"


def _dispatch(app):
    with app.app_context():
        return Dispatcher.from_app(app, name="webhook-test", sender=LogSender()).run_pass()


def _webhook_row(app) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.scalar(db.select(Reminder).where(Reminder.channel == "webhook"))
        status = (row.status, row.last_error)
        db.session.rollback()
        return status


def test_a_name_that_rebinds_to_loopback_after_saving_is_not_called(app, client, alerting, monkeypatch):
    with WebhookReceiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        # Public when saved; loopback (where the receiver listens) when the dispatcher looks again.
        monkeypatch.setitem(
            app.config, "WEBHOOK_RESOLVER", FakeDns({"rebind.example.test": [["93.184.215.14"], ["127.0.0.1"]]})
        )
        saved = client.patch(
            "/v1/clinic",
            json={"webhook_url": f"https://rebind.example.test:{port}/h"},
            headers=alerting["clinic"]["headers"],
        )
        assert saved.status_code == 200, saved.get_json()
        _urgent(client, alerting)
        _dispatch(app)
        assert receiver.received == []
    assert _webhook_row(app) == ("failed", "unsafe_target")


def test_the_sender_connects_to_the_address_it_checked(app, client, alerting, monkeypatch, local_webhooks):
    with WebhookReceiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        dns = FakeDns({"hooks.clinic.test": ["127.0.0.1"]})
        monkeypatch.setitem(app.config, "WEBHOOK_RESOLVER", dns)
        client.patch(
            "/v1/clinic",
            json={"webhook_url": f"http://hooks.clinic.test:{port}/h?v=2"},
            headers=alerting["clinic"]["headers"],
        )
        _urgent(client, alerting)
        _dispatch(app)
        [delivery] = receiver.received
    assert delivery["headers"]["Host"] == f"hooks.clinic.test:{port}"
    assert dns.lookups == ["hooks.clinic.test", "hooks.clinic.test"]  # at save and at send
    assert _webhook_row(app)[0] == "sent"


def test_a_trickling_endpoint_holds_a_delivery_no_longer_than_its_total_deadline(
    app, client, alerting, monkeypatch, local_webhooks
):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 1.0)
    with HostileEndpoint("trickle", interval=0.2) as endpoint:
        client.patch("/v1/clinic", json={"webhook_url": endpoint.url}, headers=alerting["clinic"]["headers"])
        _urgent(client, alerting)
        started = time.monotonic()
        stats = _dispatch(app)
        elapsed = time.monotonic() - started
        assert endpoint.bytes_sent >= 3  # it did trickle (each byte inside a per-read timeout)
    assert elapsed < 2.5, f"the pass took {elapsed:.1f} s"
    assert _webhook_row(app) == ("pending", "timeout")  # retried later, not lost
    assert stats.handled.get("webhook.retry") == 1


def test_an_endless_answer_is_not_read(app, client, alerting, local_webhooks):
    with HostileEndpoint("oversized") as endpoint:
        client.patch("/v1/clinic", json={"webhook_url": endpoint.url}, headers=alerting["clinic"]["headers"])
        _urgent(client, alerting)
        started = time.monotonic()
        _dispatch(app)
        elapsed = time.monotonic() - started
        assert endpoint.hung_up.wait(timeout=5)  # the client closed: nothing more is pulled
        sent = endpoint.bytes_sent
    assert elapsed < 3, f"the pass took {elapsed:.1f} s"
    assert sent < 50_000_000, f"{sent} bytes were pulled from the endpoint"
    assert _webhook_row(app)[0] == "sent"


def test_the_client_reads_at_most_the_cap():
    with HostileEndpoint("oversized") as endpoint:
        target = check_url(endpoint.url, allow_private=True)
        answer = webhook_client.post(
            target, b"{}", {"Content-Type": "application/json"}, timeout=2.0, max_response_bytes=1024
        )
    assert answer.status == 200 and len(answer.body) == 1024


def test_the_total_deadline_covers_the_whole_exchange():
    with HostileEndpoint("trickle", interval=0.1) as endpoint:
        target = check_url(endpoint.url, allow_private=True)
        started = time.monotonic()
        with pytest.raises(webhook_client.DeliveryTimeout):
            webhook_client.post(target, b"{}", {}, timeout=0.5, max_response_bytes=1024)
    assert time.monotonic() - started < 1.5


def test_allowing_private_targets_is_logged_loudly(make_app, caplog):
    with caplog.at_level("WARNING"):
        make_app(WEBHOOK_ALLOW_PRIVATE=True)
    assert any("WEBHOOK_ALLOW_PRIVATE" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_a_slow_clinic_webhook_never_delays_a_push(app, client, alerting, monkeypatch, local_webhooks):
    """The running dispatcher sends webhooks in a lane (job and thread) of its own: while a
    trickling endpoint holds a delivery for its whole deadline, the staff push of the same
    alert is already sent."""
    import signal
    import threading

    from companion.reminders.dispatch.jobs import DispatcherService
    from companion.reminders.models import SENT, STAFF_PUSH

    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 4.0)
    with HostileEndpoint("trickle", interval=0.2) as endpoint:
        client.patch("/v1/clinic", json={"webhook_url": endpoint.url}, headers=alerting["clinic"]["headers"])
        _urgent(client, alerting)
        service = DispatcherService(app, Dispatcher.from_app(app, name="lanes", sender=LogSender()), interval=0.1)
        runner = threading.Thread(target=service.run_forever, daemon=True)
        started = time.monotonic()
        runner.start()
        try:
            push_sent_after = None
            while time.monotonic() - started < 10 and push_sent_after is None:
                with app.app_context():
                    status = db.session.scalar(db.select(Reminder.status).where(Reminder.channel == STAFF_PUSH))
                    db.session.rollback()
                if status == SENT:
                    push_sent_after = time.monotonic() - started
                time.sleep(0.05)
            while endpoint.requests < 1 and time.monotonic() - started < 3:
                time.sleep(0.05)  # the webhook lane starts at the same moment; let it connect
            webhook_state = (endpoint.requests, _webhook_row(app)[0])
            webhook_in_flight = webhook_state[0] >= 1 and webhook_state[1] == "claimed"
        finally:
            service._stop_scheduler(signal.SIGTERM, None)
            runner.join(timeout=15)
    assert push_sent_after is not None and push_sent_after < 2.0, push_sent_after
    assert webhook_in_flight, webhook_state  # the endpoint still held the delivery when the push went out
