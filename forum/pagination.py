"""Keyset pagination: "the items after this one", never OFFSET, so deep pages stay fast.

The cursor in the URL is the public id of the last item shown (forum/public_ids.py), not
its sort values nor its row id: a timestamp or a row id in a link would tell readers more
about when something was written than the page itself does. A cursor is looked up through
the list's own query, so only an item of that very list is accepted: any other value (a
row id, a made-up string, an item of another list) is a 404, never a probe of the order of
rows the reader cannot see in that list.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import abort
from sqlalchemy import Select, tuple_

from .extensions import db
from .public_ids import is_public_id

# Ids are 32-bit integer columns: a larger id could only be a mistake or a probe.
MAX_ID = 2**31 - 1


@dataclass
class Page:
    items: list[Any]
    next_after: str | None

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


def parse_id(raw: str | None) -> int | None:
    """A row id from a URL or a form, or None if empty; nonsense gives 404, not an error page."""
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_ID:
        abort(404)
    return int(raw)


def parse_public_id(raw: str | None) -> str | None:
    """A public id from a URL or a form, or None if empty; anything else gives 404."""
    if raw in (None, ""):
        return None
    if not is_public_id(raw):
        abort(404)
    return raw


parse_after = parse_public_id  # the `after` cursor of a list is the public id of its last item


def paginate(stmt: Select, model, order_columns: list, after: Any, per_page: int,
             descending: bool = True, scalars: bool = True, key=None, params=None) -> Page:
    """Run `stmt` (already ordered by `order_columns`, all one direction) for one page.

    `key` is the column a cursor names an item by: `model.public_id` unless said otherwise.
    `params` are bound to `stmt`'s bind parameters: a statement built once per process,
    whose first page's statement is then kept too (see _first_page)."""
    key = key if key is not None else model.public_id
    if after is not None:
        # The same statement, reduced to the sort values of the one item the cursor names:
        # its joins and conditions decide whether that item is in this list at all.
        anchor = db.session.execute(
            stmt.with_only_columns(*order_columns).where(key == after).order_by(None).limit(1),
            params,
        ).first()
        if anchor is None:
            abort(404)
        sort = tuple_(*order_columns)
        stmt = stmt.where(sort < tuple_(*anchor) if descending else sort > tuple_(*anchor))
        result = db.session.execute(stmt.limit(per_page + 1), params)
    elif params is not None:
        result = db.session.execute(_first_page(stmt, per_page), params)
    else:
        result = db.session.execute(stmt.limit(per_page + 1))
    rows = list(result.scalars() if scalars else result)
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    if last is not None and not scalars:
        last = last[0]
    return Page(rows, getattr(last, key.key) if (more and last is not None) else None)


@lru_cache(maxsize=64)
def _first_page(stmt: Select, per_page: int) -> Select:
    """The first page of a statement built once per process, kept as one object: SQLAlchemy
    works out a statement's cache key once per object, and a new .limit() each request made
    it walk the whole statement again (a tenth of a profile page's time)."""
    return stmt.limit(per_page + 1)
