"""Finding 7: ids are never handed out twice. On SQLite without AUTOINCREMENT a new patient got
an erased patient's id, and with it the erased patient's audit trail in the new patient's export."""

from __future__ import annotations

import sqlite3

import pytest
from flask_migrate import upgrade

from companion.extensions import db
from tests.factories import create_clinic, enroll


def test_a_new_patient_never_gets_an_erased_patients_id(app, client):
    clinic = create_clinic(app)
    headers = clinic["headers"]
    erased = enroll(client, clinic, display_name="First Person")
    assert client.get(f"/v1/patients/{erased['id']}", headers=headers).status_code == 200
    assert client.delete(f"/v1/patients/{erased['id']}", headers=headers).status_code == 204
    newcomer = enroll(client, clinic, display_name="Second Person")
    assert newcomer["id"] > erased["id"]
    trail = client.get(f"/v1/patients/{newcomer['id']}/export", headers=headers).get_json()["audit"]
    assert {entry["action"] for entry in trail} == {"POST /v1/patients", "GET /v1/patients/{patient_id}/export"}


@pytest.fixture
def sqlite_file(make_app, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the AUTOINCREMENT rebuild is SQLite's; PostgreSQL sequences never reuse an id")
    path = tmp_path / "upgrade.db"
    return path, make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")


def test_upgrade_rebuilds_sqlite_tables_with_autoincrement_keeping_every_row(sqlite_file):
    path, app = sqlite_file
    with app.app_context():
        upgrade(revision="0005_audit")
        db.engine.dispose()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.executescript(
        """
        INSERT INTO clinics (id, name, descriptive_push, created_at) VALUES (1, 'Sol', 0, '2026-01-01 00:00:00');
        INSERT INTO patients (id, clinic_id, display_name, timezone, locale, quiet_start, quiet_end, screening,
            created_at, updated_at)
            VALUES (7, 1, 'Kept', 'UTC', 'en', '22:00', '08:00', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
        INSERT INTO devices (id, identifier, kind, platform, patient_id, active, created_at, updated_at)
            VALUES (3, 'phone', 'fid', 'ios', 7, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
        """
    )
    raw.commit()
    raw.close()
    with app.app_context():
        upgrade()
        db.engine.dispose()
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT id, display_name FROM patients").fetchall() == [(7, "Kept")]
    assert raw.execute("SELECT id, patient_id FROM devices").fetchall() == [(3, 7)]  # no cascade on the rebuild
    tables = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        # Keyed by another row's id:
        "AND name NOT IN ('alembic_version', 'dispatcher_heartbeats', 'alert_checkins', 'course_states')"
    ).fetchall()
    assert len(tables) >= 16
    assert [name for name, sql in tables if "AUTOINCREMENT" not in sql] == []
    partial = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'").fetchall()
    assert len(partial) >= 2  # the claim's partial indexes survived the rebuild
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("DELETE FROM patients WHERE id = 7")
    raw.execute(
        "INSERT INTO patients (clinic_id, display_name, timezone, locale, quiet_start, quiet_end, screening, "
        "created_at, updated_at) VALUES (1, 'New', 'UTC', 'en', '22:00', '08:00', '{}', '2026-01-02', '2026-01-02')"
    )
    assert raw.execute("SELECT id FROM patients").fetchall() == [(8,)]
    assert raw.execute("SELECT count(*) FROM devices").fetchone() == (0,)  # the rebuilt tables still cascade
    raw.close()
