"""The web app's sign-in is a patient token, so it lives under the same rate limits as the app
API; and "Turn on reminders" registers the browser's push subscription as a device."""

from __future__ import annotations

from companion.channels import vapid
from tests.factories import sign_in
from tests.patient_app.helpers import csrf, enrolled_patient, join, post

URGENT = {"ratings.redness": "3", "red_flags.fever": "on"}


def test_guessing_codes_is_rate_limited_and_a_blocked_try_spends_nothing(app, client):
    code = enrolled_patient(app, client)["patient"]["enrollment_code"]
    for _ in range(10):
        assert join(client, "WRNG-WRNG-WRNG").status_code == 401
    assert join(client, "WRNG-WRNG-WRNG").status_code == 429
    assert join(client, code).status_code == 429  # the address is blocked, whatever it sends, until the minute ends
    assert client.post("/v1/patient-sessions", json={"enrollment_code": code}).status_code == 201


def test_check_ins_share_one_limit_across_the_web_app_and_the_api(app, client):
    made = enrolled_patient(app, client)
    assert join(client, made["patient"]["enrollment_code"]).status_code == 303
    for _ in range(5):
        assert post(client, "/app/checkin", URGENT).status_code == 201
    assert post(client, "/app/checkin", URGENT).status_code == 429
    # Another phone of the same patient, through the API, has its own token and so its own count.
    fresh = client.post(f"/v1/patients/{made['patient']['id']}/enrollment-code", headers=made["clinic"]["headers"])
    other = sign_in(app.test_client(), fresh.get_json()["enrollment_code"])
    body = {"ratings": {"redness": 1}}
    assert app.test_client().post("/v1/me/checkins", json=body, headers=other).status_code == 201


def test_settings_offer_to_turn_on_reminders(app, client):
    made = enrolled_patient(app, client)
    join(client, made["patient"]["enrollment_code"])
    page = client.get("/app/settings").get_data(as_text=True)
    assert 'id="push-on"' in page


def test_turn_on_reminders_registers_the_browser_subscription(app, client):
    made = enrolled_patient(app, client)
    join(client, made["patient"]["enrollment_code"])
    with app.app_context():
        key = vapid.application_server_key()
    assert f'data-key="{key}"' in client.get("/app/settings").get_data(as_text=True)
    subscription = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
        "keys": {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    }
    token = csrf(client, "/app/settings")
    first = client.post("/app/devices", json=subscription, headers={"X-CSRFToken": token})
    assert first.status_code == 201, first.get_json()
    again = client.post("/app/devices", json=subscription, headers={"X-CSRFToken": token})
    assert again.status_code == 200
    elsewhere = dict(subscription, endpoint="https://push.attacker.example/x")
    refused = client.post("/app/devices", json=elsewhere, headers={"X-CSRFToken": token})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"]


def test_a_blocked_join_is_a_page_that_says_when_to_try_again(app, client):
    for _ in range(10):
        join(client, "WRNG-WRNG-WRNG")
    blocked = join(client, "WRNG-WRNG-WRNG")
    assert blocked.status_code == 429 and blocked.mimetype == "text/html"
    assert "Too many tries" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
