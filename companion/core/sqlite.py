"""SQLite tuning so the embedded default behaves under a dispatcher and an API.

WAL lets readers run beside a writer, the busy timeout makes writers queue
instead of failing, and the driver's own transaction handling is replaced by
explicit BEGINs so a claim can take the write lock up front (BEGIN IMMEDIATE).
Whether a request's transaction does is decided at the request boundary
(`core.transaction.write_lock_first`), not here and not in the domain services.
"""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from companion.core.transaction import write_lock_first
from companion.extensions import db


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False) or write_lock_first()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def tune_sqlite_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def configure_sqlite(app: Flask) -> None:
    with app.app_context():
        tune_sqlite_engine(db.engine)
