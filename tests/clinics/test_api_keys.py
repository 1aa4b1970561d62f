"""A clinic's API keys: printed by the CLI that creates the clinic, created, listed and revoked
through the API and the CLI, each clinic only its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import create_clinic

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


def test_api_keys_rotate_and_revoke_at_once(app, client):
    clinic = create_clinic(app)
    created = client.post("/v1/clinic/api-keys", headers=clinic["headers"])
    assert created.status_code == 201
    new = created.get_json()
    new_headers = {"Authorization": f"Bearer {new['key']}"}
    assert client.get("/v1/clinic", headers=new_headers).status_code == 200
    listed = client.get("/v1/clinic/api-keys", headers=new_headers).get_json()["items"]
    assert len(listed) == 2 and all("key" not in k for k in listed)
    assert new["key"] not in json.dumps(listed) and new["prefix"] in json.dumps(listed)
    assert any(k["last_used_at"] for k in listed)
    old_id = next(k["id"] for k in listed if k["id"] != new["id"])
    assert client.delete(f"/v1/clinic/api-keys/{old_id}", headers=new_headers).status_code == 204
    assert client.get("/v1/clinic", headers=clinic["headers"]).status_code == 401  # the old key, at once
    assert client.delete(f"/v1/clinic/api-keys/{old_id}", headers=new_headers).status_code == 404


def test_a_clinic_cannot_revoke_another_clinics_key(app, client):
    sol, luna = create_clinic(app, "Sol"), create_clinic(app, "Luna")
    [luna_key] = client.get("/v1/clinic/api-keys", headers=luna["headers"]).get_json()["items"]
    assert client.delete(f"/v1/clinic/api-keys/{luna_key['id']}", headers=sol["headers"]).status_code == 404
    assert client.get("/v1/clinic", headers=luna["headers"]).status_code == 200


def test_api_keys_from_the_cli(app, client):
    clinic = create_clinic(app)
    runner = app.test_cli_runner()
    created = json.loads(runner.invoke(args=["companion", "clinic", "key-create", str(clinic["id"])]).output)
    listed = json.loads(runner.invoke(args=["companion", "clinic", "key-list", str(clinic["id"])]).output)
    assert created["api_key"] not in json.dumps(listed) and len(listed) == 2
    first = min(k["id"] for k in listed)
    result = runner.invoke(args=["companion", "clinic", "key-revoke", str(clinic["id"]), str(first)])
    assert result.exit_code == 0, result.output
    assert client.get("/v1/clinic", headers=clinic["headers"]).status_code == 401
    assert client.get("/v1/clinic", headers={"Authorization": f"Bearer {created['api_key']}"}).status_code == 200
