"""Migration 0018 on a PostgreSQL database with rows: each table becomes the first partition of
a partitioned table of the same name, in place (no copy), and keeps its keys and trigger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from companion.extensions import db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SCHEMA = "migration_0018"
pytestmark = pytest.mark.postgres("partitioning is PostgreSQL's; on SQLite the migration does nothing")


@pytest.fixture
def fresh_url(database_url):
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    joiner = "&" if "?" in database_url else "?"
    yield f"{database_url}{joiner}options=-csearch_path%3D{SCHEMA}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    admin.dispose()


def _insert(table: str, **values: Any) -> int:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=db.session.connection())
    return db.session.execute(sa.insert(reflected).values(**values)).inserted_primary_key[0]


def _reminder(clinic_id: int, status: str) -> int:
    return _insert(
        "reminders", channel="patient_push", clinic_id=clinic_id, kind="hydrate", title="t", body="b",
        priority="normal", payload={}, due_at=T0, expires_at=T0 + timedelta(hours=2), available_at=T0,
        status=status, attempts=0, created_at=T0, updated_at=T0,
    )  # fmt: skip


def _sql(statement: str) -> Any:
    return db.session.execute(sa.text(statement))


def _relations(column: str, names: str) -> dict[str, Any]:
    """pg_class's `column` of this schema's relations whose names are LIKE `names`."""
    return dict(
        _sql(
            f"SELECT relname, {column} FROM pg_class WHERE relnamespace = '{SCHEMA}'::regnamespace "
            f"AND relname LIKE '{names}' AND relkind IN ('r', 'p')"
        ).all()
    )


def test_existing_rows_become_the_first_partition_without_a_copy(make_app, fresh_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        upgrade(revision="0012_channels")
        clinic = _insert("clinics", name="Clinica Sol", descriptive_push=False, created_at=T0, webhook_failures=0)
        sent, pending = _reminder(clinic, "sent"), _reminder(clinic, "pending")
        _insert("deliveries", reminder_id=sent, backend="fcm", outcome="sent", created_at=T0)
        _insert("audit_entries", at=T0, clinic_id=clinic, actor_kind="staff", actor_id=1, action="GET /x", outcome="ok")
        db.session.commit()
        files = _relations("relfilenode", "%")

        upgrade()

        kinds = _relations("relkind", "%")
        assert kinds["reminders"] == kinds["deliveries"] == kinds["audit_entries"] == "p"
        moved = _relations("relfilenode", "%\\_p0")
        assert [moved[f"{t}_p0"] for t in ("reminders", "deliveries", "audit_entries")] == [
            files[t] for t in ("reminders", "deliveries", "audit_entries")
        ]  # the same files: attached, not copied
        assert set(_sql("SELECT id FROM reminders").scalars()) == {sent, pending}
        assert _sql("SELECT count(*) FROM audit_entries").scalar() == 1
        newer = _reminder(clinic, "pending")  # new rows find a partition
        assert newer > pending
        _sql(f"DELETE FROM reminders WHERE id = {sent}")  # the cascade still reaches deliveries
        assert _sql("SELECT count(*) FROM deliveries").scalar() == 0
        db.session.commit()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _sql("UPDATE audit_entries SET action = 'forged'")
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
