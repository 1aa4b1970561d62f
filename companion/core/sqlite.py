"""SQLite tuning so the embedded default behaves under a dispatcher and an API.

WAL lets readers run beside a writer, the busy timeout makes writers queue
instead of failing, and the driver's own transaction handling is replaced by
explicit BEGINs so a claim can take the write lock up front (BEGIN IMMEDIATE).
An API request that may write (POST, PUT, PATCH, DELETE) takes it up front too: a
transaction that reads first and writes later cannot wait for the lock (SQLite fails
it at once with "database is locked" when another process wrote in between). Its
authentication reads before that, in a transaction of their own (`reads_first`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from companion.core.transaction import in_unit_of_work
from companion.extensions import db

_reading_first: ContextVar[bool] = ContextVar("companion_sqlite_reading_first", default=False)


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False) or (
        has_request_context() and request.method in _WRITE_METHODS and not _reading_first.get()
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def reads_first() -> Iterator[None]:
    """A write request's guard (authentication) reads in a transaction that ends here.

    The write lock is then taken by the service's first statement, so SQLite's one writer
    at a time is not held through authentication and body parsing as well. Nothing may be
    added to the session inside (it would be written without the lock); inside a unit of
    work, and on other databases, nothing changes.
    """
    writing = has_request_context() and request.method in _WRITE_METHODS
    if not writing or in_unit_of_work() or db.engine.dialect.name != "sqlite":
        yield
        return
    token = _reading_first.set(True)
    try:
        yield
        db.session.commit()
    finally:
        _reading_first.reset(token)


def tune_sqlite_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def configure_sqlite(app: Flask) -> None:
    with app.app_context():
        tune_sqlite_engine(db.engine)
