"""One way to page a list: every list the API answers is `{items, total, limit, offset}`.

A client pages through any list the same way and never meets a `limit` that was
silently ignored; the query arguments and the page's shape are documented once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from companion.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000


class Page(TypedDict):
    items: list[Any]
    total: int
    limit: int
    offset: int


class PageArgsSchema(Schema):
    """`?limit=&offset=`: subclass it for a list that also filters."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"At most this many items (1-{MAX_LIMIT})."},
    )
    offset = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_OFFSET),
        metadata={"description": "Skip this many items first."},
    )


def paginate(query: Select[Any], limit: int, offset: int) -> Page:
    """One page of a query's rows (the query brings its own ORDER BY) and the total it has."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(query.limit(limit).offset(offset)))
    return Page(items=rows, total=total, limit=limit, offset=offset)


def paginate_list(items: Sequence[Any], limit: int, offset: int) -> Page:
    """One page of a list already in memory (protocols, triage rules, worklist items)."""
    return Page(items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset)


def page_schema(item: type[Schema] | Schema, name: str) -> type[Schema]:
    """The documented page of `item`s: `name` is the component's name (e.g. "AlertPage")."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True, metadata={"description": "Items in the whole list"}),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
        name=f"{name}Schema",
    )
