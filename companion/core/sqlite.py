"""SQLite tuning so the embedded default behaves under a dispatcher and an API.

WAL lets readers run beside a writer, the busy timeout makes writers queue
instead of failing, and the driver's own transaction handling is replaced by
explicit BEGINs so a claim can take the write lock up front (BEGIN IMMEDIATE).
An API request that may write (POST, PUT, PATCH, DELETE) takes it up front too: a
transaction that reads first and writes later cannot wait for the lock (SQLite fails
it at once with "database is locked" when another process wrote in between).
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _on_begin(connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False) or (
        has_request_context() and request.method in _WRITE_METHODS
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def tune_sqlite_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def configure_sqlite(app: Flask) -> None:
    from companion.extensions import db

    with app.app_context():
        tune_sqlite_engine(db.engine)
