"""The audit log: each kind of actor leaves an entry with the right patient and address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from companion.audit.models import AuditEntry
from companion.core.clock import clock
from companion.extensions import db
from tests import factories
from tests.console.helpers import make_staff
from tests.console.helpers import sign_in as staff_sign_in

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


def _entries(client, clinic, **query):
    response = client.get("/v1/audit", query_string=query, headers=clinic["headers"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_clinic_api_reads_and_writes_are_recorded_with_key_and_address(app, client):
    clinic = factories.create_clinic(app)
    patient = client.post(
        "/v1/patients", json=factories.patient_body(), headers=clinic["headers"], environ_base=ADDRESS
    ).get_json()
    pid = patient["id"]
    client.get(f"/v1/patients/{pid}", headers=clinic["headers"], environ_base=ADDRESS)
    client.post(
        f"/v1/patients/{pid}/treatments",
        json=factories.treatment_body(),
        headers=clinic["headers"],
        environ_base=ADDRESS,
    )
    client.get(f"/v1/patients/{pid}/checkins", headers=clinic["headers"], environ_base=ADDRESS)
    client.delete(f"/v1/patients/{pid}/sessions", headers=clinic["headers"], environ_base=ADDRESS)

    page = _entries(client, clinic, patient_id=pid)
    actions = [e["action"] for e in reversed(page["items"])]
    assert actions == [
        "POST /v1/patients",
        "GET /v1/patients/{patient_id}",
        "POST /v1/patients/{patient_id}/treatments",
        "GET /v1/patients/{patient_id}/checkins",
        "DELETE /v1/patients/{patient_id}/sessions",
    ]
    with app.app_context():
        from companion.clinics.models import ClinicApiKey

        key_id = db.session.scalar(db.select(ClinicApiKey.id).where(ClinicApiKey.clinic_id == clinic["id"]))
    assert {(e["actor_kind"], e["actor_id"], e["address"], e["patient_id"]) for e in page["items"]} == {
        ("api_key", key_id, "203.0.113.7", pid)
    }
    assert page["total"] == 5


def test_a_failed_write_leaves_no_entry(app, client):
    clinic = factories.create_clinic(app)
    pid = factories.enroll(client, clinic)["id"]
    bad = client.post(
        f"/v1/patients/{pid}/treatments", json=factories.treatment_body(protocol="no-such"), headers=clinic["headers"]
    )
    assert bad.status_code in (404, 422)
    actions = [e["action"] for e in _entries(client, clinic, patient_id=pid)["items"]]
    assert actions == ["POST /v1/patients"]


def test_the_patient_app_is_recorded_as_its_session(app, client):
    clinic = factories.create_clinic(app)
    patient = factories.enroll(client, clinic)
    me = factories.sign_in(client, patient["enrollment_code"])
    client.get("/v1/me", headers=me, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    client.post(
        "/v1/me/checkins", json={"ratings": {"redness": 1}}, headers=me, environ_base={"REMOTE_ADDR": "198.51.100.9"}
    )
    entries = [
        e for e in _entries(client, clinic, patient_id=patient["id"])["items"] if e["actor_kind"] == "patient_session"
    ]
    assert sorted(e["action"] for e in entries) == ["GET /v1/me", "POST /v1/me/checkins"]
    assert {e["address"] for e in entries} == {"198.51.100.9"}
    with app.app_context():
        from companion.patients.models import PatientToken

        token_id = db.session.scalar(db.select(PatientToken.id).where(PatientToken.patient_id == patient["id"]))
    assert {e["actor_id"] for e in entries} == {token_id}


def test_console_staff_are_recorded_by_staff_id(app, client):
    clinic = factories.create_clinic(app)
    pid = factories.enroll(client, clinic)["id"]
    password = make_staff(app, clinic["id"], "nurse@clinic.test", role="staff")
    browser = app.test_client()
    staff_sign_in(browser, "nurse@clinic.test", password)
    assert browser.get(f"/console/patients/{pid}", environ_base=ADDRESS).status_code == 200
    with app.app_context():
        from companion.staff.models import StaffMember

        staff_id = db.session.scalar(db.select(StaffMember.id).where(StaffMember.email == "nurse@clinic.test"))
    staff = [e for e in _entries(client, clinic, patient_id=pid)["items"] if e["actor_kind"] == "staff"]
    assert [(e["actor_id"], e["action"], e["address"]) for e in staff] == [
        (staff_id, "GET /console/patients/{patient_id}", "203.0.113.7")
    ]


def test_since_and_pages(app, client):
    clinic = factories.create_clinic(app)
    start = clock.now()
    clock.freeze(start)
    pid = factories.enroll(client, clinic)["id"]
    clock.freeze(start + timedelta(hours=1))
    client.get(f"/v1/patients/{pid}", headers=clinic["headers"])
    later = _entries(client, clinic, since=(start + timedelta(minutes=30)).isoformat())
    assert [e["action"] for e in later["items"]] == ["GET /v1/patients/{patient_id}"]
    first = _entries(client, clinic, limit=1)
    second = _entries(client, clinic, limit=1, offset=1)
    assert (first["total"], first["items"][0]["action"], second["items"][0]["action"]) == (
        2,
        "GET /v1/patients/{patient_id}",
        "POST /v1/patients",
    )
    assert client.get("/v1/audit?since=yesterday", headers=clinic["headers"]).status_code == 422


def test_another_clinics_patient_is_404_and_its_entries_never_show(app, client):
    ours, theirs = factories.create_clinic(app), factories.create_clinic(app, "Other")
    their_patient = factories.enroll(client, theirs)["id"]
    factories.enroll(client, ours)
    assert client.get(f"/v1/audit?patient_id={their_patient}", headers=ours["headers"]).status_code == 404
    assert all(e["patient_id"] != their_patient for e in _entries(client, ours)["items"])


def test_the_code_offers_no_way_to_change_an_entry():
    import companion.audit.service as service

    public = {name for name in dir(service) if not name.startswith("_") and callable(getattr(service, name))}
    assert not {name for name in public if any(w in name for w in ("update", "delete", "remove", "edit"))}


def test_postgres_refuses_update_and_delete(app, client, on_postgres):
    if not on_postgres:
        pytest.skip("the append-only trigger exists on PostgreSQL only (SQLite test cleanup deletes rows)")
    clinic = factories.create_clinic(app)
    factories.enroll(client, clinic)
    with app.app_context():
        for statement in (db.update(AuditEntry).values(action="tampered"), db.delete(AuditEntry)):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 1
