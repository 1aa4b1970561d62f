"""On SQLite one writer at a time: a write request takes the lock for its service only."""

import sqlite3

import pytest

from tests.factories import patient_body


@pytest.fixture
def lock_holder(database_url, on_postgres):
    """Another process in the middle of a write (a dispatcher's claim, another request)."""
    if on_postgres:
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    holder = sqlite3.connect(database_url[len("sqlite:///") :], isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.rollback()
    holder.close()


def test_a_write_with_an_unknown_key_is_refused_without_waiting_for_the_writer(client, lock_holder):
    response = client.post("/v1/patients", json=patient_body(), headers={"Authorization": "Bearer ck_unknown"})

    assert response.status_code == 401
    assert lock_holder.in_transaction  # answered while the other writer still held the lock


INSERT_CLINIC = (
    "INSERT INTO clinics (name, descriptive_push, created_at, webhook_failures, country, timezone)"
    " VALUES ('Demo', 0, '2026-01-01 00:00:00', 0, 'ES', 'UTC')"
)


def test_a_command_reading_before_it_writes_waits_for_another_writer_instead_of_failing(app, database_url, on_postgres):
    """`companion demo` run beside `make run` failed with "database is locked" when the
    dispatcher committed between the command's first read and its first write."""
    if on_postgres:
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    import threading

    from sqlalchemy import select, text

    from companion.clinics.models import Clinic
    from companion.core.transaction import unit_of_work
    from companion.extensions import db

    other_may_write = threading.Event()
    other_done = threading.Event()
    other_wrote: list[str] = []

    def other_process() -> None:
        other_may_write.wait(5)
        writer = sqlite3.connect(database_url[len("sqlite:///") :], isolation_level=None, timeout=10)
        writer.execute("BEGIN IMMEDIATE")  # waits while the command holds the lock
        writer.execute(INSERT_CLINIC)
        writer.execute("COMMIT")
        writer.close()
        other_wrote.append("committed")
        other_done.set()

    @unit_of_work
    def command() -> int:
        count = len(db.session.execute(select(Clinic.id)).all())  # the command reads first
        other_may_write.set()
        other_done.wait(1.0)  # the other process writes meanwhile, or waits for our lock
        db.session.execute(text(INSERT_CLINIC))
        return count

    thread = threading.Thread(target=other_process)
    thread.start()
    with app.app_context():
        before = command()
        thread.join(10)
        assert other_wrote == ["committed"]
        assert len(db.session.execute(select(Clinic.id)).all()) == before + 2  # both writes kept
