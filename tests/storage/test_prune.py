"""The retention on SQLite (one table, batched deletes), the setting's minimum, the command."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from companion.channels.models import Delivery
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import Reminder
from companion.storage import prune, service
from tests.reminders import rows

MONTH = timedelta(days=31)


def test_finished_rows_older_than_the_retention_go_in_batches_with_their_deliveries(ctx, on_postgres):
    if on_postgres:
        pytest.skip("PostgreSQL drops whole partitions instead (test_partitions.py)")
    clock.freeze(clock.now() - 30 * MONTH)
    owner = rows.clinic()
    patient = rows.patient(owner)
    old = [rows.reminder(patient, status=status).id for status in ("sent", "expired", "cancelled", "sent", "failed")]
    db.session.add(Delivery(reminder_id=old[0], backend="fcm", channel="push", outcome="sent"))
    db.session.commit()
    stale = rows.reminder(patient, status="pending").id  # old but unfinished: stays
    clock.freeze(clock.now() + 30 * MONTH)
    recent = rows.reminder(patient, status="sent").id

    assert prune.prune_finished(db.engine, before=clock.now() - 24 * MONTH, batch=2) == 5

    left = set(db.session.scalars(select(Reminder.id)))
    assert left == {stale, recent}
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_the_job_prunes_by_the_retention_setting(ctx, on_postgres, monkeypatch):
    if on_postgres:
        pytest.skip("PostgreSQL drops whole partitions instead (test_partitions.py)")
    clock.freeze(clock.now() - 20 * MONTH)
    owner = rows.clinic()
    kept = rows.reminder(rows.patient(owner), status="sent").id
    clock.freeze(clock.now() + 20 * MONTH)
    assert service.maintain().pruned == 0  # 20 months < 24
    monkeypatch.setitem(ctx.config, "RETENTION_MONTHS", 13)
    assert service.maintain().pruned == 1
    assert db.session.get(Reminder, kept) is None


def test_a_retention_below_a_year_of_care_stops_the_start(make_app):
    with pytest.raises(ValueError, match="COMPANION_RETENTION_MONTHS=12: at least 13"):
        make_app(RETENTION_MONTHS=12)


def test_the_command_runs_one_pass_and_prints_what_it_did(app):
    result = app.test_cli_runner().invoke(args=["companion", "storage", "maintain"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"created", "sealed", "dropped", "kept", "pruned", "seconds"} <= set(report)
