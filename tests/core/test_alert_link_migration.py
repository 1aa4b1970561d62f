"""Revision 0008_types moves the check-in → alert link to the alerts side: existing alerts keep
every check-in they gathered, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from companion.alerts.models import Alert
from companion.checkins.models import CheckIn
from companion.extensions import db
from companion.patients.models import Patient
from tests import dbutil
from tests.factories import create_clinic

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database of the suite's kind, apart from the suite's own."""
    if not dbutil.is_postgres(database_url):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS migration_0006 CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA migration_0006")
    joiner = "&" if "?" in database_url else "?"
    yield f"{database_url}{joiner}options=-csearch_path%3Dmigration_0006"
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS migration_0006 CASCADE")
    admin.dispose()


def _checkin(patient: Patient, outcome: str, minutes: int) -> CheckIn:
    row = CheckIn(
        patient_id=patient.id,
        ratings={},
        outcome=outcome,
        advice="",
        created_at=T0 + timedelta(minutes=minutes),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _alert(first: CheckIn, latest: CheckIn, count: int, status: str) -> Alert:
    patient = db.session.get_one(Patient, first.patient_id)
    row = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        checkin_id=first.id,
        latest_checkin_id=latest.id,
        checkin_count=count,
        severity=latest.outcome,
        status=status,
        created_at=first.created_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_existing_alerts_keep_every_checkin_they_gathered(make_app, fresh_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        upgrade(revision="0007_secapi")  # the revision before the move
        clinic = create_clinic(app)
        ana = Patient(clinic_id=clinic["id"], display_name="Ana", timezone="Europe/Madrid", locale="es")
        ben = Patient(clinic_id=clinic["id"], display_name="Ben", timezone="Europe/London", locale="en")
        db.session.add_all([ana, ben])
        db.session.flush()
        opened = _checkin(ana, "contact_clinic", 0)
        bens = _checkin(ben, "urgent", 5)  # another patient's, between Ana's
        fine = _checkin(ana, "expected", 10)  # on course: never part of an alert
        worse = _checkin(ana, "urgent", 20)
        first = _alert(opened, worse, 2, "resolved")
        later = _checkin(ana, "self_care", 60)
        second = _alert(later, later, 1, "open")
        third = _alert(bens, bens, 1, "open")
        db.session.commit()

        upgrade()

        links = dict(db.session.execute(sa.text("SELECT checkin_id, alert_id FROM alert_checkins")).all())
        assert links == {opened.id: first.id, worse.id: first.id, later.id: second.id, bens.id: third.id}
        assert fine.id not in links
        db.session.remove()
        db.engine.dispose()
