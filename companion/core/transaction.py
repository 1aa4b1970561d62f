"""The transaction rule: one commit per write request; a read's audit entry commits on its own.

A view calls one service function marked `@unit_of_work`; that function may call other
services (also marked) and only the outermost commits. Any exception rolls the whole
unit back, so a failed request never leaves half its writes behind. A read-only request
commits nothing of its own, except the small bookkeeping writes of `commit_on_its_own`
(its audit entry, a credential's last use). A write request's credentials are read in a
transaction of their own (`reads_first`), ended before its service takes the write lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from flask import has_request_context, request

from companion.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_depth: ContextVar[int] = ContextVar("companion_unit_of_work_depth", default=0)
_reading_first: ContextVar[bool] = ContextVar("companion_reading_first", default=False)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def write_lock_first() -> bool:
    """Whether a transaction begun now should take the database's write lock at once.

    True in a request that may write (POST, PUT, PATCH, DELETE), except while its
    credentials are read: a transaction that reads first and writes later cannot wait
    for SQLite's one write lock (it fails at once when another process wrote in between).
    Outside a request (a CLI command such as `companion demo` beside a running dispatcher,
    a job), a unit of work is a write and takes the lock first too.
    """
    if has_request_context():
        return request.method in WRITE_METHODS and not _reading_first.get()
    return in_unit_of_work()


@contextmanager
def reads_first() -> Iterator[None]:
    """A write request's authentication reads in a transaction that ends here.

    The write lock is then taken by the service's first statement, so it is not held
    through authentication and body parsing as well. Nothing may be added to the session
    inside (it would be written without the lock); inside a unit of work, outside a
    write request, and on databases that lock rows, nothing changes.
    """
    writing = has_request_context() and request.method in WRITE_METHODS
    if not writing or in_unit_of_work() or db.engine.dialect.name != "sqlite":
        yield
        return
    token = _reading_first.set(True)
    try:
        yield
        db.session.commit()
    finally:
        _reading_first.reset(token)
