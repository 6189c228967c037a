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
from typing import Any
from weakref import WeakKeyDictionary

from flask import abort
from sqlalchemy import Select, bindparam, tuple_

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


# What paginate derives from a list's statement built once per process (one given with
# `params`): the page itself, and the lookup of its cursor, built once too while that
# statement lives, so that neither is built nor its SQLAlchemy cache key worked out again
# on every request (about 0.2 ms a page). A statement built per request is not kept.
_derived: WeakKeyDictionary = WeakKeyDictionary()


def _once(stmt: Select, how: tuple, columns: tuple, build) -> Select:
    found = _derived.get(stmt)
    if found is None:
        found = _derived[stmt] = {}
    kept = found.get(how)
    # The columns are compared by identity (a column's == builds SQL): the same list, paged
    # by other columns, is derived anew.
    if kept is None or len(kept[0]) != len(columns) or any(
            a is not b for a, b in zip(kept[0], columns)):
        kept = found[how] = (columns, build())
    return kept[1]


def _every_time(stmt: Select, how: tuple, columns: tuple, build) -> Select:
    return build()


def paginate(stmt: Select, model, order_columns: list, after: Any, per_page: int,
             descending: bool = True, scalars: bool = True, key=None, params=None,
             within=None) -> Page:
    """Run `stmt` (already ordered by `order_columns`, all one direction) for one page.

    `key` is the column a cursor names an item by: `model.public_id` unless said otherwise.
    `params` are bound to `stmt`: give them for a statement built once per process, with
    bindparams (what paginate makes of it is then built once too). `within`, if given, makes
    the statement run from the page's: `stmt` then picks the page's items (their ids, say,
    from indexes alone) and `within(page)` reads them in the same order, with `key`."""
    key = key if key is not None else model.public_id
    derive = _once if params is not None else _every_time
    values = dict(params or {})
    columns = (key, *order_columns)
    how = (descending, per_page)
    if after is not None:
        # The same statement, reduced to the sort values of the one item the cursor names:
        # its joins and conditions decide whether that item is in this list at all.
        lookup = derive(stmt, ("cursor", *how), columns, lambda: (
            stmt.with_only_columns(*order_columns)
            .where(key == bindparam("page_after", type_=key.type))
            .order_by(None).limit(1)))
        anchor = db.session.execute(lookup, {**values, "page_after": after}).first()
        if anchor is None:
            abort(404)
        values.update({f"page_anchor_{n}": value for n, value in enumerate(anchor)})

        def after_anchor():
            sort = tuple_(*order_columns)
            bound = tuple_(*(bindparam(f"page_anchor_{n}", type_=column.type)
                             for n, column in enumerate(order_columns)))
            page = stmt.where(sort < bound if descending else sort > bound).limit(per_page + 1)
            return within(page) if within is not None else page
        page = derive(stmt, ("after", *how), columns, after_anchor)
    else:
        page = derive(stmt, ("first", *how), columns, lambda: (
            within(stmt.limit(per_page + 1)) if within is not None
            else stmt.limit(per_page + 1)))
    result = db.session.execute(page, values)
    rows = list(result.scalars() if scalars else result)
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = rows[-1] if rows else None
    if last is not None and not scalars:
        last = last[0]
    return Page(rows, getattr(last, key.key) if (more and last is not None) else None)

