"""A clinic's own rows: another clinic's row answers exactly as a missing one (404)."""

from __future__ import annotations

from typing import Protocol, TypeVar

from companion.core.errors import NotFound
from companion.extensions import db


class ClinicOwned(Protocol):
    @property
    def clinic_id(self) -> int: ...


T = TypeVar("T", bound=ClinicOwned)


def clinic_row(model: type[T], row_id: int, clinic_id: int, what: str) -> T:
    row = db.session.get(model, row_id)
    if row is None or row.clinic_id != clinic_id:
        raise NotFound(f"No such {what}.")
    return row
