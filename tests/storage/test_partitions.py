"""PostgreSQL: partitions created ahead, sealed monthly, dropped whole once finished and old."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from companion.channels.models import Delivery
from companion.core.clock import clock
from companion.extensions import db
from companion.privacy.service import erase_patient
from companion.reminders.dispatch.claiming import claim_due
from companion.reminders.models import PATIENT_PUSH, Reminder
from companion.storage import partitions, service
from tests.reminders import rows
from tests.storage.conftest import SPAN

MONTH = timedelta(days=31)
pytestmark = pytest.mark.postgres("partitions exist on PostgreSQL only")


def _deliver(reminder: Reminder) -> None:
    db.session.add(Delivery(reminder_id=reminder.id, backend="fcm", channel="push", outcome="sent"))
    db.session.commit()


def _exists(model, ident) -> bool:
    db.session.expire_all()
    return db.session.get(model, ident) is not None


def _bounds(table: str) -> list[tuple[int | None, int]]:
    with db.engine.connect() as connection:
        return [(p.low, p.high) for p in partitions.partitions(connection, table)]


def test_partitions_are_created_ahead_and_a_claim_reads_across_them(small_partitions):
    first = small_partitions
    clock.freeze(clock.now())
    report = service.maintain()
    # The migration's partitions are closed and empty: they go; two spans are ready ahead.
    assert {"reminders_p0", "reminders_p2000000"} <= set(report.dropped)
    assert _bounds("reminders") == [(first, first + SPAN), (first + SPAN, first + 2 * SPAN)]
    assert _bounds("deliveries") == _bounds("reminders")  # a reminder's deliveries sit beside it
    assert rows.many_due(150, patients=5)[0] == first
    service.maintain()  # the next ids are ahead again
    assert _bounds("reminders")[-1][1] >= first + 150 + 2 * SPAN
    later = rows.many_due(150, patients=5)
    assert max(later) >= first + 2 * SPAN  # in a partition made by the second pass

    claimed = claim_due(db.engine, claimer="t", limit=500, lease_seconds=60, now=clock.now(), channels=[PATIENT_PUSH])
    assert len(claimed) == 300
    assert {(r.id - first) // SPAN for r in claimed} == {0, 1, 2}  # three partitions, one claim


def test_old_finished_rows_go_with_their_deliveries_unfinished_rows_stay_whatever_their_age(small_partitions):
    clock.freeze(clock.now() - 27 * MONTH)
    service.maintain()
    owner = rows.clinic()
    patient = rows.patient(owner)
    sent = rows.reminder(patient, status="sent")
    _deliver(sent)
    clock.advance(MONTH)
    sealed = service.maintain().sealed
    assert sealed == ["reminders_p3000000"]  # a month of rows: the next go to a new partition
    # Planned a year ahead (maintenance), and one forgotten as pending: neither is finished.
    ahead = rows.reminder(patient, due_in=timedelta(days=365))
    stale = rows.reminder(patient, status="pending")
    clock.advance(MONTH)
    assert service.maintain().sealed == [f"reminders_p{(ahead.id // SPAN) * SPAN}"]
    clock.advance(25 * MONTH)  # the first month is now older than 24 months
    recent = rows.reminder(patient, status="sent")
    _deliver(recent)
    sent_id, recent_id, kept = sent.id, recent.id, [ahead.id, stale.id, recent.id]
    report = service.maintain()

    assert "reminders_p3000000" in report.dropped and report.kept >= 1
    assert not _exists(Reminder, sent_id)
    assert "deliveries_p3000000" not in _names("deliveries")  # dropped with it
    assert _deliveries(sent_id) == 0 and _deliveries(recent_id) == 1
    assert all(_exists(Reminder, ident) for ident in kept)


def _deliveries(reminder_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.reminder_id == reminder_id))


def _names(table: str) -> list[str]:
    with db.engine.connect() as connection:
        return [p.name for p in partitions.partitions(connection, table)]


def test_erasure_removes_a_patients_rows_in_every_partition(small_partitions):
    from companion.clinics.models import Clinic

    clock.freeze(clock.now() - 3 * MONTH)
    service.maintain()
    owner = rows.clinic()
    erased, kept = rows.patient(owner), rows.patient(owner)
    _deliver(rows.reminder(erased, status="sent"))
    clock.advance(MONTH)
    service.maintain()
    _deliver(rows.reminder(erased, status="sent"))
    rows.reminder(erased, due_in=timedelta(days=200))
    other = rows.reminder(kept)
    erased_id = erased.id

    erase_patient(db.session.get(Clinic, owner.id), erased_id)

    left = db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.patient_id == erased_id))
    assert left == 0 and _exists(Reminder, other.id)
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_audit_partitions_go_once_all_their_entries_are_past_the_retention(small_partitions, app, client, monkeypatch):
    from companion.audit.models import AuditEntry
    from tests import factories

    clock.freeze(clock.now() - 3 * MONTH)
    service.maintain()
    clinic = factories.create_clinic(app)
    old = factories.enroll(client, clinic)
    clock.advance(MONTH)
    assert "audit_entries_p3000000" in service.maintain().sealed
    new = factories.enroll(client, clinic)
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 40)
    clock.advance(MONTH)

    report = service.maintain()

    assert "audit_entries_p3000000" in report.dropped
    about = {e.patient_id for e in db.session.scalars(select(AuditEntry))}
    assert old["id"] not in about and new["id"] in about


def test_the_claim_reads_each_partitions_partial_index(small_partitions, monkeypatch, ctx):
    """Big partitions of finished rows beside a few due ones: no partition is read whole."""
    monkeypatch.setitem(ctx.config, "PARTITION_IDS", 20_000)
    clock.freeze(clock.now())
    service.maintain()
    owner = rows.clinic()
    with db.engine.begin() as connection:
        connection.execute(
            insert(Reminder).from_select(
                [
                    "channel",
                    "clinic_id",
                    "kind",
                    "title",
                    "body",
                    "priority",
                    "payload",
                    "due_at",
                    "expires_at",
                    "available_at",
                    "status",
                    "attempts",
                    "created_at",
                    "updated_at",
                ],
                select(
                    func.cast("patient_push", db.String),
                    func.cast(owner.id, db.Integer),
                    func.cast("k", db.String),
                    func.cast("t", db.String),
                    func.cast("b", db.Text),
                    func.cast("normal", db.String),
                    func.cast("{}", db.JSON),
                    *[func.now() - timedelta(days=1)] * 3,
                    func.cast("sent", db.String),
                    func.cast(1, db.Integer),
                    func.now(),
                    func.now(),
                ).select_from(func.generate_series(1, 30_000)),
            )
        )
        connection.exec_driver_sql("ANALYZE reminders")
    service.maintain()
    rows.many_due(20, patients=2)
    plan = _explained_claim()
    assert "Seq Scan" not in plan, plan
    assert plan.count("Index Scan") >= 2, plan  # one per partition, each on its partial index


def _explained_claim() -> str:
    from sqlalchemy import event

    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("WITH"):
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        claim_due(db.engine, claimer="t", limit=500, lease_seconds=60, now=clock.now(), channels=[PATIENT_PUSH])
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return plan
