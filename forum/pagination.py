"""Keyset pagination: "the items after this one", never OFFSET, so deep pages stay fast.

The cursor in the URL is the id of the last item shown, not its sort values: a timestamp in
a link would tell readers more about when something was posted than the page itself does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort
from sqlalchemy import Select, select, tuple_

from .extensions import db


# Ids are 32-bit integer columns: a larger cursor could only be a mistake or a probe.
MAX_ID = 2**31 - 1


@dataclass
class Page:
    items: list[Any]
    next_after: int | None

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


def parse_id(raw: str | None) -> int | None:
    """An id from a URL or a form, or None if empty; nonsense gives 404, not an error page."""
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_ID:
        abort(404)
    return int(raw)


parse_after = parse_id  # the `after` cursor of a list is the id of its last item


def paginate(stmt: Select, model, order_columns: list, after: int | None, per_page: int,
             descending: bool = True, scalars: bool = True) -> Page:
    """Run `stmt` (already ordered by `order_columns`, all one direction) for one page."""
    if after is not None:
        anchor = db.session.execute(select(*order_columns).where(model.id == after)).first()
        if anchor is None:
            abort(404)
        key = tuple_(*order_columns)
        stmt = stmt.where(key < tuple_(*anchor) if descending else key > tuple_(*anchor))
    result = db.session.execute(stmt.limit(per_page + 1))
    rows = list(result.scalars() if scalars else result)
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    if last is not None and not scalars:
        last = last[0]
    return Page(rows, last.id if (more and last is not None) else None)
