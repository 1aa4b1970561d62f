"""A clinic's own time zone: chosen through the API (and Settings), checked against IANA,
audited; a new clinic starts from its country's zone when the country has only one."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from companion.audit.models import AuditEntry
from companion.clinics.models import Clinic
from companion.clinics.zones import zone_for_country
from companion.extensions import db
from tests.core.test_alert_link_migration import T0, _insert
from tests.core.test_alert_link_migration import fresh_url as fresh_url  # the same empty database fixture
from tests.factories import create_clinic


def test_an_admin_integration_sets_the_zone_and_the_audit_names_it(app, client):
    clinic = create_clinic(app)
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["timezone"] == "UTC"  # ES: three zones
    saved = client.patch("/v1/clinic", json={"timezone": "America/Bogota"}, headers=clinic["headers"])
    assert saved.status_code == 200 and saved.get_json()["timezone"] == "America/Bogota"
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["timezone"] == "America/Bogota"
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "clinic time zone changed"))
        assert [e.target for e in entries] == ["timezone=America/Bogota"]


def test_an_unknown_zone_is_refused_naming_the_field_and_nothing_changes(app, client):
    clinic = create_clinic(app)
    for bad in ("Mars/Olympus_Mons", "", "utc ", 7, None):
        refused = client.patch("/v1/clinic", json={"timezone": bad, "name": "Renamed"}, headers=clinic["headers"])
        assert refused.status_code == 422, bad
        assert "timezone" in refused.get_json()["error"]["fields"], bad
    body = client.get("/v1/clinic", headers=clinic["headers"]).get_json()
    assert (body["timezone"], body["name"]) == ("UTC", "Clinica Sol")


def test_a_new_clinic_takes_its_countrys_only_zone(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_COUNTRY", "FR")
    clinic = create_clinic(app)
    assert client.get("/v1/clinic", headers=clinic["headers"]).get_json()["timezone"] == "Europe/Paris"
    assert (zone_for_country("PT"), zone_for_country("es"), zone_for_country("")) == ("UTC", "UTC", "UTC")


def test_the_migration_gives_existing_clinics_their_countrys_only_zone(make_app, fresh_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        upgrade(revision="0012_channels")
        common = {"descriptive_push": False, "created_at": T0, "webhook_failures": 0}
        paris = _insert("clinics", name="Paris", country="FR", **common)
        madrid = _insert("clinics", name="Madrid", country="ES", **common)
        db.session.commit()
        upgrade()
        zones = {c.id: c.timezone for c in db.session.scalars(sa.select(Clinic))}
        assert zones == {paris: "Europe/Paris", madrid: "UTC"}
        db.session.remove()
        db.engine.dispose()
