"""The worklist as the database computes it: order, course state, pages, a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from companion.extensions import db
from tests.dbutil import count_statements
from tests.factories import create_clinic, enroll, record_treatment, sign_in

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
URGENT = {"ratings": {"redness": 3, "swelling": 3}, "red_flags": {"pus": True}}


def _worklist(client, clinic, **query):
    response = client.get("/v1/worklist", headers=clinic["headers"], query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _treated(client, clinic, name, performed_at, *, number=1, planned=3):
    patient = enroll(client, clinic, display_name=name)
    patient["app"] = sign_in(client, patient["enrollment_code"])
    phone = client.post(
        "/v1/me/devices", json={"fid": f"phone-{patient['id']}", "platform": "ios"}, headers=patient["app"]
    )
    assert phone.status_code == 201  # reachable: only the reasons each test is about show
    record_treatment(
        client,
        clinic,
        patient["id"],
        performed_at=performed_at,
        series={"session_number": number, "planned_sessions": planned},
    )
    return patient


def _urgent_alert(client, patient):
    reply = client.post("/v1/me/checkins", json=URGENT, headers=patient["app"])
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["alert_id"]


def test_unacknowledged_urgent_alerts_lead_newest_first(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    patients = [_treated(client, clinic, name, DAY0) for name in ("Older", "Middle", "Newest")]
    alert_ids = []
    for hours, patient in enumerate(patients, start=2):
        clock.freeze(DAY0 + timedelta(hours=hours))
        alert_ids.append(_urgent_alert(client, patient))
    taken = client.post(f"/v1/alerts/{alert_ids[0]}/acknowledge", headers=clinic["headers"])
    assert taken.status_code == 200, taken.get_json()

    body = _worklist(client, clinic, reason="open_alert")
    shown = [item["ref"]["alert_id"] for item in body["items"]]
    # The two nobody has taken yet, newest first, then the older one someone acknowledged.
    assert shown == [alert_ids[2], alert_ids[1], alert_ids[0]]
    assert body["items"][2]["label"].endswith("acknowledged")


def test_a_session_recorded_late_is_due_for_rebooking_from_the_course_state(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    late = _treated(client, clinic, "Late", DAY0 - timedelta(days=60))  # recorded 60 days after the fact
    recent = _treated(client, clinic, "Recent", DAY0 - timedelta(days=2))
    last = _treated(client, clinic, "Last", DAY0 - timedelta(days=60), number=3, planned=3)

    body = _worklist(client, clinic, reason="rebooking_due")
    due = {item["patient_id"]: item for item in body["items"]}
    assert set(due) == {late["id"]}  # not a patient inside the 4-week spacing, nor one whose series is complete
    assert due[late["id"]]["label"] == "series window closed after session 1, nothing booked"
    assert due[late["id"]]["ref"]["treatment_id"]
    assert recent["id"] not in due and last["id"] not in due

    booked = client.post(
        f"/v1/patients/{late['id']}/appointments",
        headers=clinic["headers"],
        json={"starts_at": (DAY0 + timedelta(days=5)).isoformat(), "kind": "series"},
    )
    assert booked.status_code == 201, booked.get_json()
    assert _worklist(client, clinic, reason="rebooking_due")["total"] == 0


def test_pages_follow_one_order_and_count_everything(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    for index in range(3):
        enroll(client, clinic, display_name=f"Absent {index}")  # never signs in
    for index in range(3):
        _treated(client, clinic, f"Lapsed {index}", DAY0 - timedelta(days=35 + index))
    clock.freeze(DAY0 + timedelta(days=2))
    whole = _worklist(client, clinic, limit=200)
    pages = [_worklist(client, clinic, limit=2, offset=offset) for offset in range(0, whole["total"], 2)]
    assert whole["total"] == 6 and all(page["total"] == 6 for page in pages)
    assert [item for page in pages for item in page["items"]] == whole["items"]
    assert [item["reason"] for item in whole["items"]] == ["not_signed_in"] * 3 + ["rebooking_due"] * 3


def test_the_query_count_does_not_grow_with_the_list(app, client):
    clock.freeze(DAY0)
    clinic = create_clinic(app)

    def add(count):
        for index in range(count):
            patient = _treated(client, clinic, f"P{index}", DAY0 - timedelta(days=40))
            _urgent_alert(client, patient)
            enroll(client, clinic, display_name=f"Absent {index}")

    with app.app_context():
        engine = db.engine

    def statements():
        _worklist(client, clinic)  # the API key's last use is written once; count a steady request
        with count_statements(engine) as counter:
            body = _worklist(client, clinic)
        return counter.count, len(body["items"])

    add(2)
    clock.freeze(DAY0 + timedelta(days=2))
    few, shown_few = statements()
    clock.freeze(DAY0)
    add(8)
    clock.freeze(DAY0 + timedelta(days=2))
    many, shown_many = statements()
    assert shown_many > shown_few >= 6
    assert many == few, f"{few} statements for {shown_few} items, {many} for {shown_many}"


def test_old_silence_leaves_the_list_when_it_is_history(app, client):
    """A never-used app after the first month, a series lapsed 8 weeks past its window: history,
    not a call to make now (the maintenance nudges take over the lapsed series)."""
    clock.freeze(DAY0)
    clinic = create_clinic(app)
    absent = enroll(client, clinic, display_name="Absent")
    lapsing = _treated(client, clinic, "Lapsing", DAY0)
    clock.freeze(DAY0 + timedelta(days=29))
    reasons = {(item["patient_id"], item["reason"]) for item in _worklist(client, clinic, limit=200)["items"]}
    assert {(absent["id"], "not_signed_in"), (lapsing["id"], "rebooking_due")} <= reasons
    clock.freeze(DAY0 + timedelta(weeks=6 + 8, days=1))
    reasons = {(item["patient_id"], item["reason"]) for item in _worklist(client, clinic, limit=200)["items"]}
    assert (absent["id"], "not_signed_in") not in reasons
    assert (lapsing["id"], "rebooking_due") not in reasons
