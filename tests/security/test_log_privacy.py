"""Finding 5: no log line holds a patient's name, a screening answer, a symptom or a note.

A canary name, medication and note travel through enrollment, sign-in, check-ins,
urgent alerts, descriptive pushes and failing statements; then every captured log
record (message and traceback) is searched for them."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from companion.channels.log import LogSender
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher
from tests.factories import create_clinic, enroll, record_treatment, sign_in

CANARIES = {
    "name": "Zanzibar Quuxley",
    "external_ref": "QX-CANARY-77",
    "medication": "isotretiquuxoin",
    "note": "canary-quux-note oozing",
    "symptom_note": "swollen-quux-left-cheek",
}


def _all_logged(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def test_no_log_line_holds_health_data(app, client, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    clinic = create_clinic(app)
    client.patch("/v1/clinic", json={"descriptive_push": True}, headers=clinic["headers"])
    client.post("/v1/clinic/devices", json={"token": "nurse-phone", "platform": "android"}, headers=clinic["headers"])
    screening = {
        "active_infection": False,
        "keloid_prone": False,
        "active_severe_acne": False,
        "eczema": False,
        "psoriasis": False,
        "bleeding_disorder": False,
        "relevant_medications": True,
        "other_serious_skin_condition": False,
        "medications_note": CANARIES["medication"],
    }
    patient = enroll(
        client, clinic, display_name=CANARIES["name"], external_ref=CANARIES["external_ref"], screening=screening
    )
    token = sign_in(client, patient["enrollment_code"])
    client.post("/v1/me/devices", json={"token": "ana-phone", "platform": "ios"}, headers=token)
    client.post(f"/v1/patients/{patient['id']}/treatments", json={}, headers=clinic["headers"])  # 422 path
    record_treatment(
        client, clinic, patient["id"], clearance_confirmed=True, performed_at=clock.now() - timedelta(hours=2)
    )
    for note in (CANARIES["note"], CANARIES["symptom_note"]):
        client.post(
            "/v1/me/checkins",
            json={"ratings": {"swelling": 3}, "red_flags": {"pus": True}, "note": note},
            headers=token,
        )
    # bad input carrying the canaries: a surrogate, a bad time zone, an over-long field
    bad = json.dumps(
        {
            "display_name": CANARIES["name"] + " LONE",
            "timezone": "Mars/" + CANARIES["medication"],
            "locale": "es",
            "screening": screening,
        }
    ).replace("LONE", "\\udc80")
    client.post("/v1/patients", data=bad, headers={**clinic["headers"], "Content-Type": "application/json"})
    client.post(
        "/v1/patients",
        json={
            "display_name": CANARIES["name"] * 50,
            "timezone": "Europe/Madrid",
            "locale": "es",
            "screening": screening,
        },
        headers=clinic["headers"],
    )
    # staff alerts now, then the patient's descriptive reminders (all to the log sender)
    dispatcher = Dispatcher.from_app(app, name="privacy-test", sender=LogSender())
    with app.app_context():
        dispatcher.run_pass()
    clock.freeze(clock.now() + timedelta(days=2))
    with app.app_context():
        dispatcher.run_pass()
    # a statement that fails with a canary bound to it (what a driver error would carry into the log)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as failed:
            db.session.execute(sa.text("SELECT :x FROM no_such_table"), {"x": CANARIES["name"]})
        db.session.rollback()
        logging.getLogger("companion").error("a failed statement", exc_info=failed.value)
    assert CANARIES["name"] not in str(failed.value)

    alerts = client.get("/v1/alerts", headers=clinic["headers"]).get_json()["items"]
    alerts = alerts.get("items", alerts) if isinstance(alerts, dict) else alerts
    reasons = {reason for alert in alerts for reason in alert["reasons"]}
    assert reasons, "the check-ins raised an alert"
    logged = _all_logged(caplog) + capfd.readouterr().err
    assert "push reminder=" in logged  # the log sender did run
    symptoms = {f"symptom {r}": f"{r}" for r in reasons if len(r) > 6}  # rule ids such as red_flag_pus
    leaked = [what for what, canary in {**CANARIES, **symptoms}.items() if canary in logged]
    assert not leaked, f"{leaked} found in the logs"
