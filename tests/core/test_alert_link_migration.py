"""Revision 0008_types moves the check-in → alert link to the alerts side: existing alerts keep
every check-in they gathered, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from companion.extensions import db
from tests import dbutil

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


def _insert(table: str, **values: Any) -> int:
    """A row as the schema of that revision holds it (today's models may have more columns)."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=db.session.connection())
    return db.session.execute(sa.insert(reflected).values(**values)).inserted_primary_key[0]


def _patient(clinic_id: int, name: str, zone: str) -> int:
    return _insert(
        "patients",
        clinic_id=clinic_id,
        display_name=name,
        timezone=zone,
        locale="en",
        quiet_start="21:00",
        quiet_end="08:00",
        screening={},
        created_at=T0,
        updated_at=T0,
    )


def _checkin(patient_id: int, outcome: str, minutes: int) -> int:
    return _insert(
        "checkins",
        patient_id=patient_id,
        ratings={},
        red_flags=[],
        reasons=[],
        outcome=outcome,
        advice="",
        created_at=T0 + timedelta(minutes=minutes),
    )


def _alert(clinic_id: int, patient_id: int, first: int, latest: int, count: int, severity: str, status: str) -> int:
    return _insert(
        "alerts",
        clinic_id=clinic_id,
        patient_id=patient_id,
        checkin_id=first,
        latest_checkin_id=latest,
        checkin_count=count,
        severity=severity,
        status=status,
        reasons=[],
        resend_count=0,
        created_at=T0,
        updated_at=T0,
    )


def test_existing_alerts_keep_every_checkin_they_gathered(make_app, fresh_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        upgrade(revision="0007_secapi")  # the revision before the move
        clinic = _insert("clinics", name="Clinica Sol", descriptive_push=False, created_at=T0, webhook_failures=0)
        ana = _patient(clinic, "Ana", "Europe/Madrid")
        ben = _patient(clinic, "Ben", "Europe/London")
        opened = _checkin(ana, "contact_clinic", 0)
        bens = _checkin(ben, "urgent", 5)  # another patient's, between Ana's
        fine = _checkin(ana, "expected", 10)  # on course: never part of an alert
        worse = _checkin(ana, "urgent", 20)
        first = _alert(clinic, ana, opened, worse, 2, "urgent", "resolved")
        later = _checkin(ana, "self_care", 60)
        second = _alert(clinic, ana, later, later, 1, "self_care", "open")
        third = _alert(clinic, ben, bens, bens, 1, "urgent", "open")
        db.session.commit()

        upgrade()

        links = dict(db.session.execute(sa.text("SELECT checkin_id, alert_id FROM alert_checkins")).all())
        assert links == {opened: first, worse: first, later: second, bens: third}
        assert fine not in links
        db.session.remove()
        db.engine.dispose()
