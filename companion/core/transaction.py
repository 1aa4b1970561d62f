"""One commit per request or job: the outermost service call commits, nested ones only flush.

A view calls one service function marked `@unit_of_work`; that function may call other
services (also marked) and only the outermost commits. Any exception rolls the whole
unit back, so a failed request never leaves half its writes behind.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from companion.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_depth: ContextVar[int] = ContextVar("companion_unit_of_work_depth", default=0)


def unit_of_work(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        try:
            result = func(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return wrapper


def in_unit_of_work() -> bool:
    """Whether a service call is under way that will commit (or roll back) what is added now."""
    return _depth.get() > 0


def commit_on_its_own(write: Callable[[], object]) -> None:
    """A small write a read-only request makes (an audit entry, a credential's last use),
    committed in a transaction of its own that takes the write lock first.

    On SQLite a transaction that has already read cannot wait for the write lock: it
    fails at once with "database is locked" when another process wrote meanwhile. So
    the read so far is ended first, and the write begins with BEGIN IMMEDIATE, which
    queues for the lock like any other writer. On PostgreSQL it is just a short commit.
    """
    db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
    write()
    db.session.commit()
