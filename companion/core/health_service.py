from __future__ import annotations

import logging
from typing import Any

from companion.extensions import db
from companion.reminders.heartbeat import dispatcher_health

log = logging.getLogger(__name__)


def check() -> dict[str, Any]:
    try:
        db.session.execute(db.text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ok"; the detail goes to the log
        log.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "degraded", "database": "unreachable", "dispatcher": {}}
    dispatcher = dispatcher_health()
    status = "ok" if not dispatcher.get("stale", False) else "degraded"
    return {"status": status, "database": database, "dispatcher": dispatcher}
