"""The Results page: the known month's figures in tables beside SVG charts, in English and
Spanish, a CSV download, bad periods named next to their field, a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re

import pytest

from companion.core.clock import clock
from companion.extensions import db
from tests.console.helpers import make_staff, sign_in
from tests.dbutil import count_statements
from tests.reports.month import MARCH, at, build_march


@pytest.fixture
def desk(app, client):
    clinic = build_march(app, client)
    sign_in(client, "desk@clinic.example", make_staff(app, clinic["id"], "desk@clinic.example", "staff"))
    return clinic


def _cells(page: str, section: str) -> list[list[str]]:
    part = page[page.index(f'id="{section}"') :]
    part = part[: part.index("</section>")]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", part, re.S)]


def test_the_figures_are_in_tables_beside_accessible_charts(client, desk):
    response = client.get("/console/results", query_string=MARCH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ["restriction", "patient push", "4", "2", "1", "1"] in _cells(page, "reminders")
    assert ["checkin prompt", "patient push", "3", "2", "1", "0"] in _cells(page, "reminders")
    assert ["urgent", "2", "2", "20.0"] in _cells(page, "alerts")
    assert ["rebooked on time", "1"] in _cells(page, "series") and ["missed", "2"] in _cells(page, "series")
    assert "Check-in prompts answered: 1 of 2." in page and "Patients no reminder reached: 1." in page
    charts = re.findall(r'<svg [^>]*role="img"[^>]*aria-label="([^"]+)"', page)
    assert charts == ["Reminders", "Alerts raised", "Series sessions"]
    assert "<script" not in page.split("<main", 1)[1] and "//" not in re.sub(r"https?://www\.w3\.org[^\"]*", "", page)


def test_in_spanish(app, client, desk):
    with app.app_context():
        from companion.staff.models import StaffMember

        db.session.execute(db.update(StaffMember).values(locale="es"))
        db.session.commit()
    page = client.get("/console/results", query_string=MARCH).get_data(as_text=True)
    assert "<h1>Resultados</h1>" in page and "Descargar CSV" in page
    assert ["pregunta de seguimiento", "notificación al paciente", "3", "2", "1", "0"] in _cells(page, "reminders")
    assert "Preguntas de seguimiento respondidas: 1 de 2." in page
    assert 'aria-label="Alertas generadas"' in page


def test_the_csv_download_holds_the_same_figures(client, desk):
    response = client.get("/console/results.csv", query_string={**MARCH, "protocol": ""})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="results-2026-03-01-2026-03-31.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "kind", "channel", "measure", "value"]
    assert ["reminders", "restriction", "patient_push", "opened", "1"] in rows
    assert ["alerts", "urgent", "", "median_minutes_to_acknowledge", "20.0"] in rows
    assert ["patients", "", "", "unreachable", "1"] in rows


def test_a_bad_period_is_named_beside_its_field_and_kept(client, desk):
    response = client.get("/console/results", query_string={"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="to"[^>]*value="2026-03-01"[^>]*aria-invalid="true"', page, re.S)
    assert 'id="to-error"' in page and 'value="2026-03-31"' in page
    assert client.get("/console/results.csv", query_string={"protocol": "botox"}).status_code == 422


def test_the_page_needs_a_staff_member(app, client):
    response = client.get("/console/results")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_query_count_does_not_grow_with_the_data(app, client, desk):
    with app.app_context():
        engine = db.engine
    clock.freeze(at(1, month=5))

    def statements(query):
        client.get("/console/results", query_string=query)
        with count_statements(engine) as counter:
            assert client.get("/console/results", query_string=query).status_code == 200
        return counter.count

    empty = statements({"from": "2025-01-01", "to": "2025-01-31"})
    assert statements(MARCH) == empty
