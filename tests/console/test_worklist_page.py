"""The console's home page: its count in the title, its own refresh, and the refresh never keeping
an unattended console signed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from companion.core.clock import clock
from companion.extensions import db
from tests.console.helpers import make_staff, sign_in
from tests.dbutil import count_statements
from tests.factories import create_clinic, enroll, record_treatment

DAY0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
REFRESH = {"X-Console-Refresh": "1"}


def _desk(app, client):
    clinic = create_clinic(app)
    sign_in(client, "desk@clinic.example", make_staff(app, clinic["id"], "desk@clinic.example", "staff"))
    return clinic


def test_the_title_counts_what_needs_a_person_and_the_page_refreshes_itself(app, client):
    clock.freeze(DAY0)
    clinic = _desk(app, client)
    clock.freeze(DAY0 - timedelta(days=2))  # enrolled two days ago, never signed in to the app
    for name in ("Ana", "Bea", "Carla"):
        enroll(client, clinic, display_name=name)
    clock.freeze(DAY0 + timedelta(minutes=1))
    page = client.get("/console/").get_data(as_text=True)
    assert re.search(r"<title>\(3\) Worklist · Aftercare Companion</title>", page)
    assert 'id="worklist-region"' in page and 'data-refresh-seconds="45"' in page
    assert "/console/static/worklist.js" in page
    assert client.get("/console/static/worklist.js").status_code == 200
    clock.freeze(DAY0 - timedelta(days=2))
    enroll(client, clinic, display_name="Dora")
    clock.freeze(DAY0 + timedelta(minutes=2))
    assert "<title>(4) Worklist" in client.get("/console/", headers=REFRESH).get_data(as_text=True)


def test_a_self_refreshing_page_does_not_keep_an_idle_console_signed_in(app, client):
    clock.freeze(DAY0)
    _desk(app, client)
    idle = timedelta(minutes=app.config["CONSOLE_IDLE_MINUTES"])
    clock.freeze(DAY0 + idle - timedelta(minutes=1))
    assert client.get("/console/", headers=REFRESH).status_code == 200  # still signed in, not touched
    clock.freeze(DAY0 + idle + timedelta(minutes=1))
    response = client.get("/console/")
    assert response.status_code == 302 and "ended=1" in response.headers["Location"]


def test_a_person_using_the_page_stays_signed_in(app, client):
    clock.freeze(DAY0)
    _desk(app, client)
    idle = timedelta(minutes=app.config["CONSOLE_IDLE_MINUTES"])
    clock.freeze(DAY0 + idle - timedelta(minutes=1))
    assert client.get("/console/").status_code == 200
    clock.freeze(DAY0 + idle + timedelta(minutes=1))
    assert client.get("/console/").status_code == 200


def test_the_home_page_runs_the_same_number_of_queries_for_a_longer_list(app, client):
    clock.freeze(DAY0)
    clinic = _desk(app, client)
    with app.app_context():
        engine = db.engine

    def statements():
        client.get("/console/")
        with count_statements(engine) as counter:
            page = client.get("/console/", headers=REFRESH)
        assert page.status_code == 200
        return counter.count

    clock.freeze(DAY0 - timedelta(days=2))
    enroll(client, clinic, display_name="First")
    clock.freeze(DAY0 + timedelta(minutes=1))
    few = statements()
    clock.freeze(DAY0 - timedelta(days=2))
    for index in range(12):
        enroll(client, clinic, display_name=f"More {index}")
    clock.freeze(DAY0 + timedelta(minutes=2))
    assert statements() == few


def test_the_filter_counts_each_reason_and_the_queries_stay_fixed_as_courses_grow(app, client):
    """Courses due for rebooking or maintenance and patients nothing can reach: counted per reason
    in the filter, with the same statements for one patient of each kind as for many."""
    clock.freeze(DAY0)
    clinic = _desk(app, client)
    with app.app_context():
        engine = db.engine

    def add(count):
        for index in range(count):
            for days in (35, 200):  # series window open; maintenance due (six months on)
                clock.freeze(DAY0 - timedelta(days=days))
                patient = enroll(client, clinic, display_name=f"Course {days} {index}")
                record_treatment(client, clinic, patient["id"], performed_at=clock.now())
        clock.freeze(DAY0)

    def statements():
        client.get("/console/")
        with count_statements(engine) as counter:
            page = client.get("/console/", headers=REFRESH)
        assert page.status_code == 200
        return counter.count, page.get_data(as_text=True)

    add(1)
    few, _ = statements()
    add(4)
    many, page = statements()
    assert many == few
    assert re.search(r'<option value="rebooking_due"\s*>rebooking due \(5\)</option>', page)
    assert re.search(r'<option value="maintenance_due"\s*>maintenance due \(5\)</option>', page)
