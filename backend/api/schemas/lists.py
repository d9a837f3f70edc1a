"""Lists: the paging query and the list envelope every list answers with."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import List, Nested
from apiflask.validators import Range

from .common import Integer


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
