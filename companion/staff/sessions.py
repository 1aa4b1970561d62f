"""Console sessions kept on the server: the browser holds a random id, the table its hash.

A session ends when its person signs out, changes password (the others), gets a new
role or is removed, when an administrator ends it, after CONSOLE_IDLE_MINUTES without
use, and CONSOLE_MAX_HOURS after sign-in however busy it is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, update

from companion.core.clock import utcnow
from companion.core.transaction import commit_on_its_own, unit_of_work
from companion.extensions import db
from companion.staff.models import StaffMember, StaffSession

# last_seen_at is written at most this often: idle time is measured in minutes, and a
# write per page view would queue every console click behind the SQLite write lock.
_TOUCH_EVERY = timedelta(seconds=60)
KEEP_DAYS = 30  # ended sessions stay a while: Settings and an investigation can see them


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(staff_id: int) -> str:
    """A new session (inside the caller's unit of work); the token goes only to the cookie.
    The person's sessions older than KEEP_DAYS leave here, so the table stays the size of the staff."""
    token = secrets.token_urlsafe(32)
    old = utcnow() - timedelta(days=KEEP_DAYS)
    db.session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.created_at < old))
    db.session.add(StaffSession(staff_id=staff_id, token_hash=token_hash(token)))
    return token


def end_all(staff_id: int) -> int:
    """End a person's open sessions (inside the caller's unit of work)."""
    statement = update(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
    # A DML statement's result is a CursorResult (SQLAlchemy types it as the general Result).
    result = cast(CursorResult[Any], db.session.execute(statement.values(ended_at=utcnow())))
    return result.rowcount or 0


@unit_of_work
def end(token: str) -> None:
    """Sign-out: this session only."""
    statement = update(StaffSession).where(
        StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None)
    )
    db.session.execute(statement.values(ended_at=utcnow()))


def resume(token: str, *, active: bool = True) -> tuple[StaffMember | None, bool]:
    """The person a session token signs in, or None; the flag says the session ran out of
    time (idle or absolute lifetime), so the sign-in page can say why. A page refreshing
    itself is not `active`: it does not keep an unattended console signed in."""
    row = db.session.execute(
        db.select(StaffSession, StaffMember)
        .join(StaffMember, StaffMember.id == StaffSession.staff_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None, False
    record, member = row
    now = utcnow()
    idle = timedelta(minutes=current_app.config["CONSOLE_IDLE_MINUTES"])
    lifetime = timedelta(hours=current_app.config["CONSOLE_MAX_HOURS"])
    if now - record.last_seen_at > idle or now - record.created_at > lifetime:
        if record.ended_at is None:
            session_id = record.id
            commit_on_its_own(lambda: _end_by_id(session_id))
        return None, True
    if record.ended_at is not None or not member.active:
        return None, False
    if active and now - record.last_seen_at >= _TOUCH_EVERY:
        session_id = record.id
        commit_on_its_own(lambda: _touch(session_id))
    return db.session.get(StaffMember, member.id), False


def _end_by_id(session_id: int) -> None:
    db.session.execute(update(StaffSession).where(StaffSession.id == session_id).values(ended_at=utcnow()))


def _touch(session_id: int) -> None:
    db.session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=utcnow()))


def open_sessions(staff_ids: list[int]) -> dict[int, int]:
    """How many open sessions each member has (the staff table in Settings)."""
    if not staff_ids:
        return {}
    now = utcnow()
    rows = db.session.execute(
        db.select(StaffSession.staff_id, db.func.count())
        .where(
            StaffSession.staff_id.in_(staff_ids),
            StaffSession.ended_at.is_(None),
            StaffSession.last_seen_at > now - timedelta(minutes=current_app.config["CONSOLE_IDLE_MINUTES"]),
            StaffSession.created_at > now - timedelta(hours=current_app.config["CONSOLE_MAX_HOURS"]),
        )
        .group_by(StaffSession.staff_id)
    )
    return {int(row[0]): int(row[1]) for row in rows}
