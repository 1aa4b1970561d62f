"""A browser registers its Web Push subscription; its endpoint is an untrusted URL."""

from __future__ import annotations

import logging

import pytest

from companion.devices.models import Device
from companion.devices.service import register_patient_device
from companion.extensions import db
from devtools.push_service import BrowserSubscription, b64url
from tests.factories import create_clinic, enroll, sign_in

# The user agent's key and auth secret of RFC 8291's worked example (section 5).
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"


def subscription(endpoint: str, **keys: str) -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": P256DH, "auth": AUTH, **keys}}


@pytest.fixture
def me(app, client):
    return sign_in(client, enroll(client, create_clinic(app))["enrollment_code"])


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bHun4MxP5egoKMwt2KZFBaFUH",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABf",
        "https://web.push.apple.com/QGuQyavXutnMAnzWAW6Ns",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",
    ],
)
def test_a_subscription_on_a_known_push_service_is_registered(app, client, me, endpoint):
    body = {"platform": "web", "subscription": subscription(endpoint)}
    response = client.post("/v1/me/devices", json=body, headers=me)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["identifier"], body["kind"], body["platform"]) == (endpoint, "webpush", "web")
    with app.app_context():
        device = db.session.get(Device, body["id"])
        assert (device.p256dh, device.auth_secret) == (P256DH, AUTH)


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("https://push.attacker.example/p/1", "not an accepted push service"),
        ("https://fcm.googleapis.com.attacker.example/fcm/send/1", "not an accepted push service"),
        ("https://mozilla.com/wpush/1", "not an accepted push service"),
        ("http://fcm.googleapis.com/fcm/send/1", "Only https"),
        ("https://127.0.0.1:8443/push/1", "not an accepted push service"),
        ("http://localhost/push/1", "Only https"),
        ("https://user:pw@fcm.googleapis.com/fcm/send/1", "Not a valid URL"),
        ("javascript:alert(1)", "Not a valid URL"),
    ],
)
def test_an_endpoint_off_the_known_push_services_is_refused(app, client, me, endpoint, says):
    body = {"platform": "web", "subscription": subscription(endpoint)}
    response = client.post("/v1/me/devices", json=body, headers=me)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] in ("invalid", "invalid_subscription") and error["message"]  # by the schema or the service
    assert says in str(error["fields"]["subscription"]["endpoint"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Device)) == 0


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"p256dh": "bm90IGEga2V5"}, "p256dh"),
        ({"auth": "c2hvcnQ"}, "auth"),
        ({"p256dh": b64url(b"\x02" + bytes(64))}, "p256dh"),
        ({"p256dh": b64url(b"\x04" + bytes(64))}, "p256dh"),  # the right size, off the curve
    ],
)
def test_keys_that_are_not_a_browser_key_pair_are_refused(client, me, keys, field):
    body = {"platform": "web", "subscription": subscription("https://fcm.googleapis.com/fcm/send/x", **keys)}

    response = client.post("/v1/me/devices", json=body, headers=me)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]["subscription"]["keys"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"platform": "android", "subscription": subscription("https://fcm.googleapis.com/fcm/send/x")},
            {"platform": ["A push subscription comes from a browser: platform 'web'."]},
        ),
        (
            {"platform": "web", "subscription": {"endpoint": "https://fcm.googleapis.com/fcm/send/x"}},
            {"subscription": {"keys": ["Missing data for required field."]}},
        ),
        (
            {"platform": "web", "fid": "abc", "subscription": subscription("https://fcm.googleapis.com/fcm/send/x")},
            {"fid": ["Send exactly one of 'fid', 'token' or 'subscription'."]},
        ),
        (
            {"platform": "web", "subscription": "https://fcm.googleapis.com/fcm/send/x"},
            {"subscription": {"_schema": ["Invalid input type."]}},
        ),
    ],
)
def test_malformed_registrations_say_what_is_wrong(client, me, body, fields):
    response = client.post("/v1/me/devices", json=body, headers=me)

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == fields


def test_the_allowed_hosts_are_a_setting(app, client, me, monkeypatch):
    monkeypatch.setitem(app.config, "WEBPUSH_ALLOWED_HOSTS", "push.clinic-own.example, *.push.apple.com")
    own = {"platform": "web", "subscription": subscription("https://push.clinic-own.example/s/1")}
    google = {"platform": "web", "subscription": subscription("https://fcm.googleapis.com/fcm/send/x")}

    assert client.post("/v1/me/devices", json=own, headers=me).status_code == 201
    assert client.post("/v1/me/devices", json=google, headers=me).status_code == 422


def test_a_renewed_subscription_replaces_its_keys(app, client, me):
    endpoint = "https://fcm.googleapis.com/fcm/send/renewed"
    first = client.post("/v1/me/devices", json={"platform": "web", "subscription": subscription(endpoint)}, headers=me)
    new_auth = b64url(b"\x01" * 16)
    again = client.post(
        "/v1/me/devices", json={"platform": "web", "subscription": subscription(endpoint, auth=new_auth)}, headers=me
    )

    assert (first.status_code, again.status_code) == (201, 200)
    with app.app_context():
        assert db.session.get(Device, first.get_json()["id"]).auth_secret == new_auth


def test_the_web_app_registers_through_the_service_as_the_api_does(app, client, me, fake_push, monkeypatch):
    """The patient web app calls the service with the PushSubscription JSON as the browser gave it."""
    monkeypatch.setitem(app.config, "WEBPUSH_ALLOW_PRIVATE", True)
    browser: BrowserSubscription = fake_push.subscribe("unused-here")
    patient_id = client.get("/v1/me", headers=me).get_json()["id"]

    with app.app_context():
        device, created = register_patient_device(patient_id, {"platform": "web", "subscription": browser.as_json()})
        assert created
        assert (device.identifier, device.kind, device.p256dh) == (browser.endpoint, "webpush", browser.p256dh)


def test_a_loopback_endpoint_needs_the_development_setting(app, client, me, fake_push, monkeypatch):
    local = {"platform": "web", "subscription": fake_push.subscribe("unused-here").as_json()}

    assert client.post("/v1/me/devices", json=local, headers=me).status_code == 422
    monkeypatch.setitem(app.config, "WEBPUSH_ALLOW_PRIVATE", True)
    assert client.post("/v1/me/devices", json=local, headers=me).status_code == 201


def test_the_development_setting_is_announced_at_start(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="companion"):
        make_app(WEBPUSH_ALLOW_PRIVATE=True)

    assert any("WEBPUSH_ALLOW_PRIVATE" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_staff_devices_stay_phones(app, client):
    clinic = create_clinic(app)
    body = {"platform": "web", "subscription": subscription("https://fcm.googleapis.com/fcm/send/staff")}

    response = client.post("/v1/clinic/devices", json=body, headers=clinic["headers"])

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"fid": ["Send exactly one of 'fid' or 'token'."]}
