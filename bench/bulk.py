"""Rows straight into a table, fast: SQLite executemany, PostgreSQL COPY (for benchmarks that need
a large clinic in seconds rather than the API's minutes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


class Writer:
    """Rows into one table, fast: SQLite executemany, PostgreSQL COPY. Values arrive ready
    for the driver (`ts` formats datetimes as each database stores them)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def ts(self, value: datetime | None) -> Any:
        return None if value is None else (_sqlite_text(value) if self.sqlite else value)

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        raw = self.engine.raw_connection()
        count = 0
        try:
            cursor = raw.cursor()
            names = ", ".join(f'"{c}"' for c in columns)
            if self.sqlite:
                cursor.execute("BEGIN")
                statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
                for chunk in _chunks(rows, 20_000):
                    cursor.executemany(statement, chunk)
                    count += len(chunk)
            else:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            raw.commit()
        finally:
            raw.close()
        return count


@lru_cache(maxsize=200_000)
def _sqlite_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
