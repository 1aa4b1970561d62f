"""The worklist's `unreachable` reason: reminders falling due and no way to reach the patient
(no active device, no consented, valid, not opted-out phone or e-mail). Built through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _unreachable(client, clinic) -> dict[int, dict]:
    body = client.get("/v1/worklist", headers=clinic["headers"], query_string={"reason": "unreachable"})
    assert body.status_code == 200, body.get_json()
    return {item["patient_id"]: item for item in body.get_json()["items"]}


def _treated(client, clinic, name, **contact):
    patient = enroll(client, clinic, display_name=name, **contact)
    record_treatment(client, clinic, patient["id"], performed_at=clock.now() - timedelta(minutes=30))
    return patient


def test_only_patients_nothing_can_reach_are_listed_while_reminders_fall_due(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    app_user = _treated(client, clinic, "App")
    headers = sign_in(client, app_user["enrollment_code"])
    device = client.post("/v1/me/devices", json={"fid": "app-user-phone", "platform": "android"}, headers=headers)
    assert device.status_code == 201
    texts = _treated(client, clinic, "Texts", phone="+34612345678", consent={"sms": True, "method": "written"})
    mails = _treated(client, clinic, "Mails", email="m@example.com", consent={"email": True, "method": "verbal"})
    unconsented = _treated(client, clinic, "Unconsented", phone="+34612345679")
    nothing = _treated(client, clinic, "Nothing")
    untreated = enroll(client, clinic, display_name="Untreated")  # no reminders due: nothing to miss

    listed = _unreachable(client, clinic)
    assert set(listed) == {unconsented["id"], nothing["id"]}
    assert listed[nothing["id"]]["label"].endswith("reminders due and no phone, app or e-mail to reach")
    assert untreated["id"] not in listed and texts["id"] not in listed and mails["id"] not in listed

    # The app's phone is removed and the e-mail consent withdrawn: both are unreachable now.
    gone = client.delete(f"/v1/me/devices/{device.get_json()['id']}", headers=headers)
    assert gone.status_code == 204
    withdrawn = client.patch(
        f"/v1/patients/{mails['id']}", headers=clinic["headers"], json={"consent": {"email": False}}
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert set(_unreachable(client, clinic)) == {unconsented["id"], nothing["id"], app_user["id"], mails["id"]}

    # Months on, between the course's reminders, nothing is falling due for them: the reason has gone by itself.
    clock.freeze(DAY0 + timedelta(days=160))
    assert _unreachable(client, clinic) == {}
