"""`Idempotency-Key` for every POST that creates something.

Phones and clinic systems retry on bad networks; a retry must not create a second
patient, visit or check-in. The created row itself keeps the key and a fingerprint of
the request (a unique key per scope, so a race between two retries ends in one row):
the same key with the same request answers the first result again, the same key with
a different request is 409 `idempotency_conflict`.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, TypeVar

from flask import request
from sqlalchemy import ColumnElement, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from companion.core.errors import Conflict, Invalid
from companion.extensions import db

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_LENGTH = 200
KEY_PATTERN = f"^[!-~]{{1,{MAX_LENGTH}}}$"
KEY = re.compile(KEY_PATTERN[:-1] + r"\Z")


class IdempotentRow:
    """Columns of a row created by a POST that takes `Idempotency-Key`."""

    idempotency_key: Mapped[str | None] = mapped_column(String(MAX_LENGTH))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))


Row = TypeVar("Row", bound=IdempotentRow)


def request_key() -> str | None:
    """The request's key, if it sent one (views call this while parsing)."""
    key = request.headers.get(HEADER)
    if key is not None and not KEY.fullmatch(key):
        problem = f"1 to {MAX_LENGTH} visible ASCII characters (a UUID, say), no spaces."
        raise Invalid(f"{HEADER} is invalid.", fields={HEADER: [problem]})
    return key


def replay_headers(replayed: bool) -> dict[str, str]:
    return {REPLAYED: "true" if replayed else "false"}


def fingerprint(**parts: Any) -> str:
    """What the request asked for, so a reused key with another request is told apart."""
    canonical = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier(model: type[Row], scope: ColumnElement[bool], key: str | None, print_: str) -> Row | None:
    """The row a request with this key already created in `scope`; 409 if it asked for something else."""
    if key is None:
        return None
    row = db.session.scalar(select(model).where(scope, model.idempotency_key == key))
    if row is not None and row.request_fingerprint != print_:
        raise Conflict(f"This {HEADER} was already used for a different request.", code="idempotency_conflict")
    return row


def insert_once(row: Row, scope: ColumnElement[bool], key: str | None, print_: str) -> tuple[Row, bool]:
    """Adds and flushes `row` with its key; when a retry with the same key won the race,
    returns that request's row instead (replayed=True). Other integrity errors propagate."""
    row.idempotency_key = key
    row.request_fingerprint = print_
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        first = earlier(type(row), scope, key, print_)
        if first is None:
            raise
        return first, True
    return row, False
