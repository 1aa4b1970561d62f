"""A report's period is whole days of the clinic's zone: "1 to 7 December" at a clinic in
Madrid starts at its midnight, an hour before UTC's."""

from __future__ import annotations

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders import models as r
from tests.factories import create_clinic, enroll
from tests.reports.month import at, reminder_row


def _planned(client, clinic, day: str) -> int:
    query = {"from": day, "to": day}
    response = client.get("/v1/reports/engagement", headers=clinic["headers"], query_string=query)
    assert response.status_code == 200, response.get_json()
    return sum(row["planned"] for row in response.get_json()["reminders"])


def test_a_reminder_due_after_the_clinics_midnight_counts_on_the_clinics_next_day(app, client):
    clock.freeze(at(1, 12))
    clinic = create_clinic(app)
    patient = enroll(client, clinic)
    with app.app_context():
        # 23:30 UTC on 1 March is 00:30 on 2 March in Madrid.
        db.session.add(reminder_row(clinic["id"], patient["id"], "restriction", at(1, 23, 30), r.PENDING))
        db.session.commit()
    assert (_planned(client, clinic, "2026-03-01"), _planned(client, clinic, "2026-03-02")) == (1, 0)  # a UTC clinic

    moved = client.patch("/v1/clinic", json={"timezone": "Europe/Madrid"}, headers=clinic["headers"])
    assert moved.status_code == 200 and moved.get_json()["timezone"] == "Europe/Madrid"
    assert (_planned(client, clinic, "2026-03-01"), _planned(client, clinic, "2026-03-02")) == (0, 1)


def test_today_by_default_is_the_clinics_today(app, client):
    clinic = create_clinic(app)
    client.patch("/v1/clinic", json={"timezone": "Europe/Madrid"}, headers=clinic["headers"])
    clock.freeze(at(30, 23, 30))  # already 31 March in Madrid
    body = client.get("/v1/reports/engagement", headers=clinic["headers"]).get_json()
    assert (body["to"], body["timezone"]) == ("2026-03-31", "Europe/Madrid")
