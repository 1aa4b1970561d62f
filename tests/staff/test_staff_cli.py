"""`flask companion staff create`: an account for the console, its one-time password printed once."""

from __future__ import annotations

import json

from tests.console.helpers import sign_in


def test_staff_create_cli_prints_a_one_time_password_once(app, client):
    from companion.clinics.service import create_clinic

    with app.app_context():
        clinic, _ = create_clinic("Clínica Mar")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "companion",
            "staff",
            "create",
            "--clinic-id",
            str(clinic.id),
            "--email",
            "Front@Mar.example",
            "--role",
            "admin",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output.strip().splitlines()[-1])
    assert set(created) == {"staff_id", "email", "password"} and created["email"] == "front@mar.example"
    assert sign_in(client, "front@mar.example", created["password"]).status_code == 302
    again = runner.invoke(
        args=["companion", "staff", "create", "--clinic-id", str(clinic.id), "--email", "front@mar.example"]
    )
    assert again.exit_code != 0 and "already has an account" in again.output
    missing = runner.invoke(args=["companion", "staff", "create", "--clinic-id", "999999", "--email", "x@y.example"])
    assert missing.exit_code != 0 and "no clinic" in missing.output
