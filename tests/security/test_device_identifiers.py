"""Finding 12: push identifiers stay out of URLs and access logs. Devices are removed by id;
the identifier form still works for one release, marked deprecated, and gunicorn's access
log writes its path segment redacted."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.factories import create_clinic, enroll, sign_in

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fcm-token-canary-APA91bQx"


def test_patient_removes_a_device_by_its_id(app, client):
    me = sign_in(client, enroll(client, create_clinic(app))["enrollment_code"])
    device = client.post("/v1/me/devices", json={"token": TOKEN, "platform": "android"}, headers=me).get_json()
    assert client.delete(f"/v1/me/devices/{device['id']}", headers=me).status_code == 204
    assert client.delete(f"/v1/me/devices/{device['id']}", headers=me).status_code == 404


def test_staff_device_is_removed_by_id_and_not_by_another_clinic(app, client):
    sol, luna = create_clinic(app, "Sol"), create_clinic(app, "Luna")
    body = {"token": TOKEN, "platform": "ios", "staff_name": "Nurse"}
    device = client.post("/v1/clinic/devices", json=body, headers=sol["headers"]).get_json()
    assert client.delete(f"/v1/clinic/devices/{device['id']}", headers=luna["headers"]).status_code == 404
    assert client.delete(f"/v1/clinic/devices/{device['id']}", headers=sol["headers"]).status_code == 204
    assert client.get("/v1/clinic/devices", headers=sol["headers"]).get_json()["items"] == []


def test_identifier_form_is_served_but_only_the_id_form_is_documented(client):
    """Two paths that differ only by a parameter's name break client generators: the deprecated
    identifier form still works (see the test above) but the document names only `{device_id}`."""
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "/v1/me/devices/{identifier}" not in paths and "/v1/clinic/devices/{identifier}" not in paths
    assert paths["/v1/me/devices/{device_id}"]["delete"]["operationId"] == "removeDevice"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_redacts_identifiers(tmp_path):
    port = _free_port()
    log_file = tmp_path / "access.log"
    env = {**os.environ, "COMPANION_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(
        [*command, "--access-logfile", str(log_file), "wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/me/devices/{TOKEN}", method="DELETE")
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as answer:
                assert answer.code == 401
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)  # polling for the port to open
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/me/devices/42", method="DELETE")
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
    finally:
        server.terminate()
        server.wait(30)
    logged = log_file.read_text()
    assert TOKEN not in logged
    assert "/v1/me/devices/[redacted]" in logged and "/v1/me/devices/42 " in logged
