"""Finding 4: every read of patient data and every security-relevant change is audited, refusals
included (a 404 on another clinic's id keeps the attempted id), with actor, clinic, action,
target, outcome, time and address; entries are pruned after the retention period only."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from companion.audit.models import AuditEntry
from companion.core.clock import clock
from companion.extensions import db
from companion.privacy.retention import prune_audit
from tests.console.helpers import make_staff, post
from tests.console.helpers import sign_in as console_sign_in
from tests.factories import create_clinic, enroll, sign_in

DESK = {"REMOTE_ADDR": "203.0.113.9"}
URGENT = {"ratings": {}, "red_flags": {"fever": True}}


def _on_the_worklist(client, clinic) -> dict:
    """A patient with an open urgent alert: the worklist shows their name and check-in."""
    patient = enroll(client, clinic)
    me = sign_in(client, patient["enrollment_code"])
    assert client.post("/v1/me/checkins", json=URGENT, headers=me).status_code == 201
    return patient


def _entries(app, clinic_id: int) -> list[SimpleNamespace]:
    with app.app_context():
        query = db.select(AuditEntry).where(AuditEntry.clinic_id == clinic_id).order_by(AuditEntry.id)
        found = [
            SimpleNamespace(**{c.key: getattr(e, c.key) for c in AuditEntry.__table__.c})
            for e in db.session.scalars(query)
        ]
        db.session.rollback()
        return found


def _has(entries, **wanted) -> bool:
    """An entry with these values; a list read names its patients in `listed` (one entry per read)."""

    def matches(entry, name, value) -> bool:
        if name == "patient_id" and entry.patient_id is None and entry.listed:
            return f",{value}," in entry.listed
        return getattr(entry, name) == value

    return any(all(matches(e, name, value) for name, value in wanted.items()) for e in entries)


def _appointment(client, clinic, patient_id: int) -> int:
    starts = (clock.now() + timedelta(days=30)).isoformat()
    body = {"starts_at": starts, "kind": "series"}
    answer = client.post(f"/v1/patients/{patient_id}/appointments", json=body, headers=clinic["headers"])
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_reads_of_patient_data_are_audited(app, client):
    clinic = create_clinic(app)
    headers = clinic["headers"]
    patient = _on_the_worklist(client, clinic)
    pid = patient["id"]
    appointment = _appointment(client, clinic, pid)
    assert client.get("/v1/worklist", headers=headers, environ_base=DESK).status_code == 200
    assert client.get("/v1/patients", headers=headers).status_code == 200
    assert client.get(f"/v1/patients/{pid}/appointments", headers=headers).status_code == 200
    assert client.get(f"/v1/appointments/{appointment}", headers=headers).status_code == 200
    assert client.patch(f"/v1/appointments/{appointment}", json={"note": "x"}, headers=headers).status_code == 200
    assert client.delete(f"/v1/appointments/{appointment}", headers=headers).status_code == 204
    entries = _entries(app, clinic["id"])
    assert _has(entries, action="GET /v1/worklist", patient_id=pid, outcome="ok", address="203.0.113.9")
    assert _has(entries, action="GET /v1/patients", patient_id=pid)
    for method in ("GET", "PATCH", "DELETE"):
        assert _has(
            entries,
            action=f"{method} /v1/appointments/{{appointment_id}}",
            patient_id=pid,
            target=f"appointment_id={appointment}",
            actor_kind="api_key",
        )


def test_access_to_another_clinics_ids_is_recorded_with_the_attempted_id(app, client):
    sol, luna = create_clinic(app, "Sol"), create_clinic(app, "Luna")
    patient = enroll(client, sol)
    appointment = _appointment(client, sol, patient["id"])
    assert client.get(f"/v1/appointments/{appointment}", headers=luna["headers"]).status_code == 404
    assert client.delete(f"/v1/patients/{patient['id']}", headers=luna["headers"]).status_code == 404
    refused = [e for e in _entries(app, luna["id"]) if e.outcome == "denied"]
    assert {(e.action, e.target, e.patient_id) for e in refused} == {
        ("GET /v1/appointments/{appointment_id}", f"appointment_id={appointment}", None),
        ("DELETE /v1/patients/{patient_id}", f"patient_id={patient['id']}", None),
    }
    assert not _has(_entries(app, sol["id"]), outcome="denied")  # nothing of Luna's lands in Sol's audit


def test_sign_ins_keys_webhooks_and_overrides_are_audited(app, client, local_webhooks):
    clinic = create_clinic(app)
    headers = clinic["headers"]
    patient = enroll(client, clinic)
    sign_in(client, patient["enrollment_code"])
    again = client.post("/v1/patient-sessions", json={"enrollment_code": patient["enrollment_code"]})
    assert again.status_code == 401  # a used code
    key = client.post("/v1/clinic/api-keys", headers=headers).get_json()
    assert client.delete(f"/v1/clinic/api-keys/{key['id']}", headers=headers).status_code == 204
    assert client.get("/v1/patients", headers={"Authorization": f"Bearer {key['key']}"}).status_code == 401
    client.patch("/v1/clinic", json={"webhook_url": "http://127.0.0.1:9/hook"}, headers=headers)
    client.post("/v1/clinic/webhook-secret", headers=headers)
    override = {"values": {"restrictions": {"makeup": {"hours": 36}}}}
    assert client.put("/v1/protocols/microneedling-face/override", json=override, headers=headers).status_code == 200
    assert client.delete("/v1/protocols/microneedling-face/override", headers=headers).status_code == 204
    entries = _entries(app, clinic["id"])
    assert _has(entries, action="patient sign-in", outcome="ok", patient_id=patient["id"])
    assert _has(entries, action="patient sign-in", outcome="denied", actor_kind="enrollment_code")
    assert _has(entries, action="api key created", target=f"api_key_id={key['id']}")
    assert _has(entries, action="api key revoked", target=f"api_key_id={key['id']}")
    assert _has(entries, action="revoked api key used", outcome="denied", actor_id=key["id"])
    assert _has(entries, action="webhook url changed") and _has(entries, action="webhook secret rotated")
    for verb in ("set", "cleared"):
        assert _has(entries, action=f"protocol override {verb}", target="protocol=microneedling-face")


def test_console_sign_ins_staff_changes_and_worklist_are_audited(app, client):
    clinic = create_clinic(app)
    patient = _on_the_worklist(client, clinic)
    password = make_staff(app, clinic["id"], "boss@sol.test")
    assert console_sign_in(client, "boss@sol.test", "wrong password!!").status_code == 401
    assert console_sign_in(client, "boss@sol.test", password).status_code == 302
    assert client.get("/console/").status_code == 200
    invited = post(
        client, "/console/settings/staff", {"email": "new@sol.test", "role": "staff"}, form_page="/console/settings"
    )
    assert invited.status_code == 302
    entries = _entries(app, clinic["id"])
    staff_id = next(e.target for e in entries if e.action == "staff invited").split(",")[0].split("=")[1]
    removed = post(client, f"/console/settings/staff/{staff_id}/remove", {}, form_page="/console/settings")
    assert removed.status_code == 302
    entries = _entries(app, clinic["id"])
    assert _has(entries, action="console sign-in", outcome="denied", actor_kind="staff")
    assert _has(entries, action="console sign-in", outcome="ok", actor_kind="staff")
    assert _has(entries, action="GET /console/", actor_kind="staff", patient_id=patient["id"])  # the worklist
    assert _has(entries, action="staff removed", target=f"staff_id={staff_id}")


def test_no_api_route_changes_the_audit(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_entries_older_than_the_retention_period_are_pruned(app, client, monkeypatch, on_postgres):
    """On SQLite by a DELETE; on PostgreSQL never row by row: whole partitions go
    (tests/storage/test_partitions.py), so this prune leaves the entries alone."""
    assert app.config["AUDIT_RETENTION_DAYS"] == 2190
    clinic = create_clinic(app)
    clock.freeze(clock.now() - timedelta(days=40))
    old = enroll(client, clinic)
    clock.unfreeze()
    recent = enroll(client, clinic)
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    with app.app_context():
        from companion.privacy import retention

        retention._last_run.clear()
        pruned = prune_audit()
    patients = {e.patient_id for e in _entries(app, clinic["id"])}
    assert recent["id"] in patients
    if on_postgres:
        assert pruned == 0 and old["id"] in patients
    else:
        assert pruned >= 1 and old["id"] not in patients


@pytest.mark.postgres("the trigger that keeps audit entries append-only exists on PostgreSQL only")
def test_the_database_still_refuses_changes_other_than_the_prune(app, client):
    import sqlalchemy as sa

    clinic = create_clinic(app)
    enroll(client, clinic)
    with app.app_context(), pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.update(AuditEntry).values(action="forged"))
        db.session.commit()
