"""Lists: the paging query, the list envelope every list answers with, and the filters lists share
(a search text, the start of a period)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import List, Nested
from apiflask.validators import Length, Range
from marshmallow import fields

from .common import Integer, String, Timestamp


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The contract's list envelope around `item_schema`."""
    return Schema.from_dict(
        {
            "items": List(Nested(item_schema)),
            "page": Integer(),
            "per_page": Integer(),
            "total": Integer(),
        },
        name=name,
    )


def whole_list(items: list) -> dict:
    """The list envelope around a list that is never paged (short by nature: a ranking, a match, a
    sample): all of it on page 1, its page size its length (at least 1, a size PageQuery accepts)."""
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}


def search_text(description: str | None = None, max_length: int = 200) -> String:
    """`q`: the text a list is searched for."""
    return String(validate=Length(max=max_length), metadata={"description": description} if description else {})


def period_from(field: type[fields.Field] = Timestamp, **kwargs) -> fields.Field:
    """`from`, the start of a period (a Python keyword: `from_` in the schema, "from" in the data)."""
    return field(data_key="from", attribute="from", **kwargs)
