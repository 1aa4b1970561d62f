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
