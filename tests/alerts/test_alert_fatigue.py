"""Alert fatigue: while a patient's alert is unresolved, new off-course check-ins join it;
staff are pushed again only when the severity rises or the urgent re-send delay has passed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import STAFF_PUSH, Reminder
from tests.factories import treated_patient

NOW = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
CONTACT = {"ratings": {"redness": 1}, "red_flags": {"pigment_change": True}}
URGENT = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}


@pytest.fixture
def treated(app, client):
    clock.freeze(NOW)
    return treated_patient(app, client, performed_at=NOW - timedelta(hours=30))


def _checkin(client, headers, body):
    response = client.post("/v1/me/checkins", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _alerts(client, clinic):
    return client.get("/v1/alerts", headers=clinic["headers"]).get_json()["items"]


def _staff_pushes(app):
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).where(Reminder.channel == STAFF_PUSH))
        db.session.remove()
        return count


def test_a_second_checkin_joins_the_open_alert_without_another_push(app, client, treated):
    clinic, headers = treated["clinic"], treated["headers"]
    first = _checkin(client, headers, CONTACT)
    assert first["outcome"] == "contact_clinic"
    clock.advance(timedelta(hours=1))
    second = _checkin(client, headers, CONTACT)

    [alert] = _alerts(client, clinic)
    assert second["alert_id"] == first["alert_id"] == alert["id"]
    assert (alert["checkin_count"], alert["latest_checkin_id"]) == (2, second["id"])
    assert _staff_pushes(app) == 1


def test_a_checkin_that_joined_an_alert_shows_it_in_every_list(client, treated):
    """Not only in the reply to the POST: the clinic's history, the app's list and the export
    name the alert a joining check-in went to (they showed none before)."""
    clinic, headers = treated["clinic"], treated["headers"]
    first = _checkin(client, headers, CONTACT)
    clock.advance(timedelta(hours=1))
    second = _checkin(client, headers, URGENT)
    patient_id = second["patient_id"]

    history = client.get(f"/v1/patients/{patient_id}/checkins", headers=clinic["headers"]).get_json()["items"]
    own = client.get("/v1/me/checkins", headers=headers).get_json()["items"]
    export = client.get("/v1/me/export", headers=headers).get_json()["checkins"]
    for listing in (history, own, export):
        assert {row["id"]: row["alert_id"] for row in listing} == {
            first["id"]: first["alert_id"],
            second["id"]: first["alert_id"],
        }


def test_rising_severity_reopens_and_pushes_again(app, client, treated):
    clinic, headers = treated["clinic"], treated["headers"]
    first = _checkin(client, headers, CONTACT)
    client.post(f"/v1/alerts/{first['alert_id']}/acknowledge", headers=clinic["headers"])
    _checkin(client, headers, URGENT)

    [alert] = _alerts(client, clinic)
    assert (alert["severity"], alert["status"], alert["checkin_count"]) == ("urgent", "open", 2)
    assert _staff_pushes(app) == 2


def test_urgent_again_pushes_only_after_the_resend_delay(app, client, treated):
    clinic, headers = treated["clinic"], treated["headers"]
    _checkin(client, headers, URGENT)
    clock.advance(timedelta(minutes=5))
    _checkin(client, headers, URGENT)
    assert _staff_pushes(app) == 1
    clock.advance(timedelta(minutes=15))
    _checkin(client, headers, URGENT)
    assert _staff_pushes(app) == 2
    assert _alerts(client, clinic)[0]["checkin_count"] == 3


def test_a_resolved_alert_is_not_joined(app, client, treated):
    clinic, headers = treated["clinic"], treated["headers"]
    first = _checkin(client, headers, CONTACT)
    client.post(f"/v1/alerts/{first['alert_id']}/resolve", json={"note": "called her"}, headers=clinic["headers"])
    second = _checkin(client, headers, CONTACT)
    assert second["alert_id"] != first["alert_id"] and len(_alerts(client, clinic)) == 2


@pytest.mark.postgres("thirty check-ins in transactions that really overlap; SQLite runs one writer at a time")
def test_thirty_urgent_checkins_at_once_make_one_alert_and_one_staff_push(app, client, treated, monkeypatch):
    """Thirty at once from one app (above the per-token limit, which has its own test): one alert."""
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKINS", "1000 per minute")
    clinic, headers = treated["clinic"], treated["headers"]

    def post(_):
        return app.test_client().post("/v1/me/checkins", json=URGENT, headers=headers).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(post, range(30)))
    assert statuses == [201] * 30
    [alert] = _alerts(client, clinic)
    assert alert["checkin_count"] == 30
    assert _staff_pushes(app) == 1
