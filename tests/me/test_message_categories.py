"""The patient chooses which kinds of message arrive; care instructions always do, promotional
ones only once chosen. A muted category's reminders are planned as skipped (with the reason),
unmuting plans the future ones again, the clinic sees the choices and the audit trail the change."""

from __future__ import annotations

from datetime import timedelta

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import Reminder
from tests.factories import record_treatment, treated_patient

DEFAULTS = {
    "care_instructions": True,
    "care_tips": True,
    "checkin_prompts": True,
    "appointments": True,
    "progress": True,
    "maintenance": True,
    "promotional": False,
}


def _timeline(client, headers):
    response = client.get("/v1/me/timeline", headers=headers)
    assert response.status_code == 200
    return [r for t in response.get_json()["treatments"] for r in t["reminders"]]


def _by_category(reminders, category):
    return [r for r in reminders if r["category"] == category]


def test_every_category_is_shown_with_its_default(app, client):
    world = treated_patient(app, client)
    assert client.get("/v1/me", headers=world["headers"]).get_json()["categories"] == DEFAULTS
    clinic_view = client.get(f"/v1/patients/{world['patient']['id']}", headers=world["clinic"]["headers"])
    assert clinic_view.get_json()["categories"] == DEFAULTS


def test_every_planned_reminder_has_a_category_and_the_protocols_must_see_ones_are_marked(app, client):
    world = treated_patient(app, client)
    reminders = _timeline(client, world["headers"])
    assert all(r["category"] for r in reminders)
    # the 24 h and 48 h check-in prompts (not the 7-day one) and the series-window-closing nudge
    must_see = sorted(r["kind"] for r in reminders if r["must_see"])
    assert must_see == ["checkin_prompt", "checkin_prompt", "next_session"]
    [nudge] = [r for r in reminders if r["must_see"] and r["kind"] == "next_session"]
    assert nudge["due_at"] == max(r["due_at"] for r in reminders if r["kind"] == "next_session")
    assert {r["category"] for r in reminders if r["kind"] == "restriction_ended"} == {"care_instructions"}
    assert {r["category"] for r in reminders if r["kind"] == "hydration"} == {"care_tips"}


def test_muting_care_tips_skips_their_future_reminders_with_the_reason_and_unmuting_plans_them_again(app, client):
    world = treated_patient(app, client)
    headers, clinic = world["headers"], world["clinic"]
    tips = _by_category(_timeline(client, headers), "care_tips")
    assert tips and {r["state"] for r in tips} == {"pending"}

    muted = client.patch("/v1/me", json={"categories": {"care_tips": False}}, headers=headers)
    assert muted.status_code == 200, muted.get_json()
    assert muted.get_json()["categories"] == {**DEFAULTS, "care_tips": False}
    reminders = _timeline(client, headers)
    assert {(r["state"], r["skip_reason"]) for r in _by_category(reminders, "care_tips")} == {("skipped", "muted")}
    assert {r["state"] for r in _by_category(reminders, "checkin_prompts")} == {"pending"}  # the others stay
    # the clinic sees the same rows and the choice
    patient_id = world["patient"]["id"]
    shown = client.get(f"/v1/patients/{patient_id}/treatments", headers=clinic["headers"]).get_json()
    clinic_rows = [r for t in shown["items"] for r in t["reminders"]]
    assert {r["state"] for r in _by_category(clinic_rows, "care_tips")} == {"skipped"}
    assert (
        client.get(f"/v1/patients/{patient_id}", headers=clinic["headers"]).get_json()["categories"]["care_tips"]
        is False
    )
    audit = client.get("/v1/audit", query_string={"patient_id": patient_id}, headers=clinic["headers"]).get_json()
    [entry] = [e for e in audit["items"] if e["action"] == "message categories changed"]
    assert entry["target"] == "care_tips=off"

    # a day later: what is still ahead comes back, what is past stays skipped
    clock.freeze(clock.now() + timedelta(days=1))
    unmuted = client.patch("/v1/me", json={"categories": {"care_tips": True}}, headers=headers)
    assert unmuted.status_code == 200
    now = clock.now().isoformat()
    for reminder in _by_category(_timeline(client, headers), "care_tips"):
        future = reminder["due_at"] > now and reminder["expires_at"] > now
        assert reminder["state"] == ("pending" if future else "skipped"), reminder


def test_a_session_recorded_while_muted_plans_those_reminders_as_skipped(app, client):
    world = treated_patient(app, client)
    headers = world["headers"]
    assert client.patch("/v1/me", json={"categories": {"progress": False}}, headers=headers).status_code == 200
    record_treatment(
        client,
        world["clinic"],
        world["patient"]["id"],
        performed_at=clock.now() - timedelta(minutes=10),
        series={"session_number": 2, "planned_sessions": 3},
    )
    progress = _by_category(_timeline(client, headers), "progress")
    assert progress and {(r["state"], r["skip_reason"]) for r in progress} == {("skipped", "muted")}
    # re-planned, not duplicated: one row per progress month
    assert len({r["due_at"][:7] for r in progress}) == len(progress)


def test_promotional_messages_are_off_until_the_patient_opts_in(app, client):
    world = treated_patient(app, client)
    response = client.patch("/v1/me", json={"categories": {"promotional": True}}, headers=world["headers"])
    assert response.status_code == 200 and response.get_json()["categories"]["promotional"] is True


def _unchanged_after(client, world, body, field):
    before = db.session.execute(db.select(Reminder.id, Reminder.status).order_by(Reminder.id)).all()
    response = client.patch("/v1/me", json=body, headers=world["headers"])
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]["categories"]
    db.session.expire_all()
    assert db.session.execute(db.select(Reminder.id, Reminder.status).order_by(Reminder.id)).all() == before
    assert client.get("/v1/me", headers=world["headers"]).get_json()["categories"] == DEFAULTS


def test_care_instructions_cannot_be_muted_and_nothing_is_written(app, client, ctx):
    world = treated_patient(app, client)
    _unchanged_after(
        client, world, {"categories": {"care_instructions": False, "care_tips": False}}, "care_instructions"
    )


def test_an_unknown_category_is_refused_by_name_and_nothing_is_written(app, client, ctx):
    world = treated_patient(app, client)
    _unchanged_after(client, world, {"categories": {"care_tips": False, "newsletter": False}}, "newsletter")


def test_a_category_choice_must_be_a_boolean(app, client, ctx):
    world = treated_patient(app, client)
    _unchanged_after(client, world, {"categories": {"care_tips": "off"}}, "care_tips")


def test_the_patients_own_export_names_each_reminders_category_and_why_it_was_skipped(app, client):
    world = treated_patient(app, client)
    muted = client.patch("/v1/me", json={"categories": {"care_tips": False}}, headers=world["headers"])
    assert muted.status_code == 200
    document = client.get("/v1/me/export", headers=world["headers"]).get_json()
    tips = [r for r in document["reminders"] if r["category"] == "care_tips" and r["state"] != "superseded"]
    assert tips and {(r["state"], r["skip_reason"]) for r in tips} == {("skipped", "muted")}
    assert document["patient"]["categories"]["care_tips"] is False
