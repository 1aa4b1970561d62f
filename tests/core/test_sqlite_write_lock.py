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
