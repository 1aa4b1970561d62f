"""How long the audit trail is kept: `COMPANION_AUDIT_RETENTION_DAYS` (default 2190, six years,
HIPAA's retention for security documentation), pruned by a job on the dispatcher's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from companion.audit import service as audit
from companion.core.clock import utcnow
from companion.extensions import db
from companion.reminders.dispatch import register_housekeeping_task

# Housekeeping runs every few seconds; the prune needs to run only now and then.
PRUNE_EVERY = timedelta(hours=1)
_last_run: dict[str, datetime] = {}


def prune_audit() -> int:
    """Entries older than the retention period go; returns how many (0 between runs)."""
    if db.engine.dialect.name == "postgresql":
        return 0  # partitions of whole months are dropped instead (companion.storage)
    now = utcnow()
    if "at" in _last_run and now - _last_run["at"] < PRUNE_EVERY:
        return 0
    _last_run["at"] = now
    return audit.prune(now - timedelta(days=int(current_app.config["AUDIT_RETENTION_DAYS"])))


def register() -> None:
    register_housekeeping_task("audit_retention", prune_audit)
