"""What a clinic's developer touches first: the CLI, health, and the API document."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_clinic_create_cli_prints_a_working_key(app, client, database_url):
    env = dict(os.environ, COMPANION_DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "companion", "clinic", "create", "Clínica Luz", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(printed) == {"clinic_id", "api_key"}
    response = client.get("/v1/patients", headers={"Authorization": f"Bearer {printed['api_key']}"})
    assert response.status_code == 200


def test_healthz_reports_database(client):
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok"
    assert "dispatcher" in body


def test_openapi_document_and_docs(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/v1/patients/{patient_id}/treatments" in spec["paths"]
    assert "clinicKey" in spec["components"]["securitySchemes"]
    assert client.get("/docs").status_code == 200


def test_metrics_report_the_due_backlog(app, client):
    from datetime import timedelta

    from companion.core.clock import clock
    from tests.factories import create_clinic, enroll, record_treatment

    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    record_treatment(client, clinic, patient["id"])
    clock.freeze(clock.now() + timedelta(days=30))  # the next-session reminder is due, not yet stale
    text = client.get("/metrics").get_data(as_text=True)
    backlog = next(line for line in text.splitlines() if line.startswith("companion_reminders_due_backlog "))
    assert float(backlog.split()[1]) > 0


def test_each_app_keeps_its_own_api_document(app, client, tmp_path):
    """A second app that fails at start-up (a broken protocol file) leaves the first one's docs intact."""
    import pytest

    from companion import create_app
    from companion.protocols.validation import ProtocolError

    (tmp_path / "broken.toml").write_text("key = 'broken'\n")
    with pytest.raises(ProtocolError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SCHEDULES_DIR": str(tmp_path)})
    assert "/v1/patients" in client.get("/openapi.json").get_json()["paths"]
