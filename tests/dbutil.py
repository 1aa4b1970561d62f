"""Which database the suite runs on, and how it is reset.

COMPANION_TEST_DATABASE_URL selects PostgreSQL (CI runs the suite twice: SQLite,
then PostgreSQL); without it every run gets a fresh SQLite file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PG_URL_ENV = "COMPANION_TEST_DATABASE_URL"


def test_database_url() -> str:
    url = os.environ.get(PG_URL_ENV)
    if url:
        from companion.config import _sqlalchemy_url

        return _sqlalchemy_url(url)
    directory = Path(tempfile.mkdtemp(prefix="companion-test-"))
    return f"sqlite:///{directory / 'test.db'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def postgres_skip_reason(why: str) -> str:
    """What a SQLite run prints for a test that needs PostgreSQL: its own reason, and how to run it."""
    return f"needs PostgreSQL ({why}): set {PG_URL_ENV}; CI does"


def reset_schema(url: str) -> None:
    """Empty database, so the migrations (not create_all) build the schema."""
    if not is_postgres(url):
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def truncate_all(db) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for name in reversed(tables):
                conn.exec_driver_sql(f"DELETE FROM {name}")


class StatementCounter:
    """How many SQL statements ran while it was open (`with count_statements(db.engine) as n:`)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)


@contextmanager
def story_app() -> Iterator[Any]:
    """A migrated app on a fresh database (PostgreSQL when the suite's URL names one), pushes to the
    log, for the story replays run as scripts (`python -m tests.courses.stories`, `...stories_first_month`)."""
    from flask_migrate import upgrade

    from companion import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get(PG_URL_ENV) or f"sqlite:///{folder}/stories.db"
        reset_schema(url)
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "PUSH_BACKEND": "log", "FIREBASE_CREDENTIALS": None}
        )
        with app.app_context():
            upgrade()
        yield app
