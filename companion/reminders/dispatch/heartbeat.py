"""Each dispatcher's last pass, so /healthz can tell a dead dispatcher from an idle one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.dispatch.claiming import write_transaction
from companion.reminders.models import DispatcherHeartbeat

heartbeats: Table = DispatcherHeartbeat.__table__


def beat(engine: Engine, *, name: str, at: datetime, stats: Mapping[str, Any]) -> None:
    """Upsert this dispatcher's row; one statement, so concurrent dispatchers never collide."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(heartbeats).values(name=name, last_pass_at=at, stats=dict(stats))
    statement = statement.on_conflict_do_update(
        index_elements=[heartbeats.c.name],
        set_={"last_pass_at": statement.excluded.last_pass_at, "stats": statement.excluded.stats},
    )
    with write_transaction(engine) as connection:
        connection.execute(statement)


def prune(engine: Engine, *, older_than: datetime) -> int:
    """Forget dispatchers gone for good, so the health list stays readable."""
    with write_transaction(engine) as connection:
        return connection.execute(delete(heartbeats).where(heartbeats.c.last_pass_at < older_than)).rowcount


def dispatcher_health(stale_after: float | None = None) -> dict[str, Any]:
    """Age of the newest pass; `stale` when no dispatcher has passed recently (or ever)."""
    if stale_after is None:
        stale_after = float(current_app.config.get("HEARTBEAT_STALE_SECONDS", 60))
    now = clock.now()
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(heartbeats.c.name, heartbeats.c.last_pass_at).order_by(heartbeats.c.last_pass_at.desc())
        ).all()
    dispatchers = []
    for name, last_pass_at in rows:
        age = max(0.0, (now - last_pass_at).total_seconds())
        dispatchers.append(
            {
                "name": name,
                "last_pass_at": last_pass_at.isoformat(),
                "age_seconds": round(age, 3),
                "stale": age > stale_after,
            }
        )
    newest = dispatchers[0] if dispatchers else None
    return {
        "last_pass_at": newest["last_pass_at"] if newest else None,
        "age_seconds": newest["age_seconds"] if newest else None,
        "stale": newest is None or bool(newest["stale"]),
        "stale_after_seconds": stale_after,
        "dispatchers": dispatchers,
    }


def prune_horizon(now: datetime) -> datetime:
    return now - timedelta(days=1)
