"""`flask companion demo` leaves a clinic someone can sign in to and find work waiting."""

from __future__ import annotations

import json

from tests.console.helpers import STRONG_PASSWORD, post, sign_in


def test_demo_clinic_has_a_worklist_and_a_working_admin(app, client):
    result = app.test_cli_runner().invoke(args=["companion", "demo", "--json"])
    assert result.exit_code == 0, result.output
    details = json.loads(result.output.strip().splitlines()[-1])
    assert sign_in(client, details["email"], details["password"]).status_code == 302
    post(client, "/console/password", {"current": details["password"], "new": STRONG_PASSWORD})
    worklist = client.get("/console/").get_data(as_text=True)
    assert worklist.count('class="card reason-open_alert') >= 2
    patients = client.get("/v1/patients", headers={"Authorization": f"Bearer {details['api_key']}"}).get_json()
    assert patients["total"] == 4
