"""Declarative base, constraint naming, the UTC datetime column type, id-list filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    MetaData,
    Table,
    any_,
    bindparam,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names make Alembic revisions identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend stores.

    SQLite has no time zones, so values are stored there as naive UTC text in one
    fixed format (which also keeps string comparison chronological). A naive
    datetime reaching the database is a programming error, not data to guess at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def among(connection: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)`, as `column = ANY(:array)` on PostgreSQL.

    One array parameter keeps the statement text the same for any number of values,
    so neither SQLAlchemy nor psycopg renders and parses hundreds of placeholders per
    dispatcher batch (they were a fifth of its CPU on PostgreSQL).
    """
    values = list(values)
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that share their keys, in one statement.

    PostgreSQL gets one array per column, unnested server-side: one parse and one plan
    instead of psycopg's pipelined statement per row (a 312-row dispatcher chunk:
    3.6 ms against 8.6 ms). Elsewhere it is a plain executemany.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    arrays = [
        func.unnest(bindparam(None, [row[name] for row in rows], type_=ARRAY(table.c[name].type))) for name in names
    ]
    connection.execute(insert(table).from_select(names, select(*arrays)))


# JSON documents: JSONB on PostgreSQL, JSON text elsewhere.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    registry = registry(
        metadata=metadata,
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: JSONDoc, list[Any]: JSONDoc},
    )
    if TYPE_CHECKING:
        # Every model maps one Table (DeclarativeBase says only FromClause): Core statements take it as such.
        __table__: ClassVar[Table]


@event.listens_for(Table, "after_parent_attach")
def _ids_never_reused(table: Table, parent: Any) -> None:
    """Every model table's integer id is AUTOINCREMENT on SQLite, as a sequence is on PostgreSQL:
    without it SQLite gives an erased row's id to the next row, and with the id its audit trail and
    references. Set here so no table can forget it (`sqlite_autoincrement` for every model)."""
    if parent is Base.metadata:
        table.dialect_options["sqlite"]["autoincrement"] = True


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types into revisions as plain SQLAlchemy types."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _is_partition(name: str | None) -> bool:
    """`reminders_p1000000`: a partitioned model table's name, `_p` and the partition's lower bound."""
    parent, _, bound = (name or "").rpartition("_p")
    table = Base.metadata.tables.get(parent)
    return bound.isdigit() and table is not None and bool(table.dialect_options["postgresql"]["partition_by"])


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare the models with the database, leaving out only what PostgreSQL's partitioning adds
    beside them: the partitions themselves, and the foreign keys it keeps from a referencing
    table to each partition of the referenced one (docs/decisions/0013-partitioned-outbox.md)."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return not _is_partition(name)
    if type_ == "foreign_key_constraint":
        return not _is_partition(obj.referred_table.name)
    return True
