"""Export (everything held, one document) and erasure (nothing left, nothing pushed after)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect

from companion.channels.factory import build_sender
from companion.clinics.models import Clinic
from companion.core.clock import clock
from companion.extensions import db
from companion.privacy.service import erase_patient
from companion.reminders.dispatch import register_channel_handler, unregister_channel_handler
from companion.reminders.models import PATIENT_PUSH, Reminder
from tests import factories
from tests.reminders import rows

SECTIONS = {
    "exported_at",
    "patient",
    "treatments",
    "reminders",
    "devices",
    "checkins",
    "alerts",
    "appointments",
    "audit",
}


@pytest.fixture
def treated(app, client):
    story = factories.treated_patient(app, client, {"display_name": "Canary Person", "external_ref": "REF-CANARY"})
    me = story["headers"]
    client.post("/v1/me/devices", json={"fid": "canary-phone-fid-123456", "platform": "android"}, headers=me)
    urgent = {"ratings": {"redness": 3, "swelling": 3, "pain": 3}, "red_flags": {"pus": True}, "note": "canary note"}
    answer = client.post("/v1/me/checkins", json=urgent, headers=me)
    assert answer.status_code == 201, answer.get_json()
    return story


def test_export_holds_every_section(client, treated):
    pid = treated["patient"]["id"]
    response = client.get(f"/v1/patients/{pid}/export", headers=treated["clinic"]["headers"])
    assert response.status_code == 200
    doc = response.get_json()
    assert set(doc) == SECTIONS
    assert doc["patient"]["display_name"] == "Canary Person" and "screening" in doc["patient"]
    assert doc["treatments"][0]["restrictions"] and doc["treatments"][0]["reminders"]
    assert {r["channel"] for r in doc["reminders"]} >= {PATIENT_PUSH}
    assert all("state" in r and "deliveries" in r for r in doc["reminders"])
    assert doc["devices"] == [{**doc["devices"][0], "identifier": "…123456"}]
    assert doc["checkins"][0]["note"] == "canary note" and doc["alerts"][0]["patient_id"] == pid
    assert "POST /v1/patients" in {e["action"] for e in doc["audit"]}


def test_the_patient_exports_the_same_document(client, treated):
    mine = client.get("/v1/me/export", headers=treated["headers"]).get_json()
    theirs = client.get(
        f"/v1/patients/{treated['patient']['id']}/export", headers=treated["clinic"]["headers"]
    ).get_json()
    assert set(mine) == SECTIONS
    assert (mine["patient"], mine["treatments"], mine["checkins"]) == (
        theirs["patient"],
        theirs["treatments"],
        theirs["checkins"],
    )


def test_another_clinic_can_neither_export_nor_erase(app, client, treated):
    other = factories.create_clinic(app, "Other")
    pid = treated["patient"]["id"]
    assert client.get(f"/v1/patients/{pid}/export", headers=other["headers"]).status_code == 404
    assert client.delete(f"/v1/patients/{pid}", headers=other["headers"]).status_code == 404
    assert client.get(f"/v1/patients/{pid}", headers=treated["clinic"]["headers"]).status_code == 200


def _rows_about(patient_id: int) -> dict[str, int]:
    """Every table with a patient_id column (the audit aside), counted for this patient."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if "patient_id" in table.c and table.name != "audit_entries":
            counts[table.name] = db.session.scalar(
                db.select(db.func.count()).select_from(table).where(table.c.patient_id == patient_id)
            )
    return counts


def test_after_erasure_nothing_of_the_patient_is_left_or_readable(app, client, treated):
    clinic, pid, me = treated["clinic"], treated["patient"]["id"], treated["headers"]
    response = client.delete(f"/v1/patients/{pid}", headers=clinic["headers"])
    assert response.status_code == 204

    for path in (
        f"/v1/patients/{pid}",
        f"/v1/patients/{pid}/export",
        f"/v1/patients/{pid}/treatments",
        f"/v1/patients/{pid}/checkins",
    ):
        assert client.get(path, headers=clinic["headers"]).status_code == 404, path
    assert client.delete(f"/v1/patients/{pid}", headers=clinic["headers"]).status_code == 404
    assert client.get("/v1/me", headers=me).status_code == 401
    assert client.get("/v1/alerts", headers=clinic["headers"]).get_json()["items"] == []
    listing = client.get("/v1/patients", headers=clinic["headers"]).get_json()
    assert listing["total"] == 0
    with app.app_context():
        assert set(_rows_about(pid).values()) == {0}
        assert inspect(db.engine).has_table("audit_entries")

    audit = client.get(f"/v1/audit?patient_id={pid}", headers=clinic["headers"])
    assert audit.status_code == 200
    actions = [e["action"] for e in audit.get_json()["items"]]
    assert actions[:2] == ["patient erased", "DELETE /v1/patients/{patient_id}"]
    assert "Canary" not in audit.get_data(as_text=True) and "REF-CANARY" not in audit.get_data(as_text=True)


def test_an_enrollment_code_dies_with_the_patient(app, client):
    clinic = factories.create_clinic(app)
    patient = factories.enroll(client, clinic)
    assert client.delete(f"/v1/patients/{patient['id']}", headers=clinic["headers"]).status_code == 204
    used = client.post("/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]})
    assert used.status_code == 401


DRILL = "erase-drill"


@pytest.fixture
def fcm_sender(ctx, fcm_config):
    clock.freeze(clock.now())
    sender = build_sender(fcm_config)
    yield sender
    sender.close()


def test_no_push_goes_out_after_erasure_even_for_rows_already_claimed(fcm_sender, make_dispatcher, fake_fcm):
    owner = rows.clinic()
    erased, kept = rows.patient(owner), rows.patient(owner)
    rows.device(of=erased, kind="fid", platform="android")
    kept_phone = rows.device(of=kept, kind="fid", platform="android")
    rows.reminder(erased)
    rows.reminder(erased, due_in=timedelta(hours=1))  # pending, not yet due
    rows.reminder(kept)
    rows.device(staff_of=owner, kind="fid", platform="ios")
    rows.staff_alert(owner, patient_id=erased.id)  # "Patient #id needs review", to the clinic's phones
    erased_id, clinic_id = erased.id, owner.id
    rows.reminder(clinic_of=owner, channel=DRILL)  # rides in the same claim, handled before pushes are planned
    dispatcher = make_dispatcher(fcm_sender, name="dispatcher-a")
    held_when_erased = []

    def erase_meanwhile(claimed, lease):
        # The dispatcher has claimed the due rows when the clinic erases the patient ...
        held_when_erased.append(rows.statuses().get("claimed", 0))
        erase_patient(db.session.get(Clinic, clinic_id), erased_id)
        lease.finish([r.id for r in claimed], status="sent")
        return {}

    register_channel_handler(DRILL, erase_meanwhile)
    try:
        stats = dispatcher.run_pass()  # ... and only then sends the slice it holds
    finally:
        unregister_channel_handler(DRILL)
    assert held_when_erased == [4] and stats.claimed == 4
    clock.freeze(clock.now() + timedelta(hours=2))
    dispatcher.housekeeping()
    dispatcher.run_pass()

    assert [r.identifier for r in fake_fcm.received] == [kept_phone.identifier]
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(Reminder).where(Reminder.patient_id == erased_id)) == 0
    )
