"""A search page as this process last answered it, while the database has not changed since.

The ranking statement is most of a search's time, and its answer depends on nothing but the
database, the words and choices, and which boards the reader may read. So each process keeps
the last pages it answered (in results.py's cache, SEARCH_CACHE_BYTES), per (words, kind,
group, page cursor, the reader's kind: permissions.board_reader), with the database's
revision when it was answered: the page's first statement (the groups a search may keep to)
reads that revision again each time, and a kept page is used only while it is the same.

The revision changes with every write to the database, whatever wrote it and from whichever
process or host, so nothing has to be told to forget. On PostgreSQL it is the current
snapshot (pg_current_snapshot(): the next transaction id, and those still in progress), which
changes whenever a transaction that wrote anything starts or ends (a transaction that only
reads takes no id); transaction ids are the server's, so a write to another database on the
same server changes it too, which only costs a page answered again. On SQLite it is, per
connection, PRAGMA data_version (commits by any other connection) with total_changes() (this
connection's own writes), and a random mark of the connection. It is read in a statement before the ranking statement, whose snapshot is
therefore at least as new (PostgreSQL's READ COMMITTED; SQLite reads outside a transaction):
a write that lands in between makes the kept page newer than its revision, never staler.
On a busy site with writes every few seconds, pages are kept for that long; that is enough
for a search many read at once.

What is kept says nothing about any account: the page's results, its count and cursor, the
list's HTML key (results.py), and its authors' handle ids. A member's "you" badges are
found again on each request, in that same first statement (the reader's handles among those
ids), never kept.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from flask import request
from sqlalchemy import bindparam, text

from .. import permissions
from ..extensions import db
from ..groups.service import ACCEPTED
from ..i18n import language
from . import query, results

# On SQLite the revision is a connection's: a random mark kept in the connection's info (under
# this name) tells it from any other connection.
_MARK = "search_revision_mark"

REVISION = {
    "postgresql": "pg_current_snapshot()::text",
    "sqlite": "(SELECT data_version FROM pragma_data_version()) || ':' || total_changes()",
}


@lru_cache(maxsize=8)
def _facts(dialect: str, own: bool):
    """The page's first statement: the database's revision (a row of its own), every accepted
    group with each of its other names, by name, and (`own`) which of some handles are the
    reader's."""
    sql = (f"SELECT 'r' AS part, NULL AS id, NULL AS slug, NULL AS name, "  # nosec B608
           f"NULL AS other_name, NULL AS sort, {REVISION[dialect]} AS revision "
           "UNION ALL SELECT 'g', g.id, g.slug, g.name, a.name, lower(g.name), NULL "
           "FROM groups g LEFT JOIN group_aliases a ON a.group_id = g.id "
           "WHERE g.state = :accepted ")
    if own:
        sql += ("UNION ALL SELECT 'h', h.id, NULL, NULL, NULL, NULL, NULL FROM handles h "
                "WHERE h.user_id = :reader AND h.id IN :handles ")
    statement = text(sql + "ORDER BY part, sort, id, other_name")
    return statement.bindparams(bindparam("handles", expanding=True)) if own else statement


@dataclass(frozen=True, slots=True)
class Facts:
    revision: tuple
    groups: list  # rows of (id, slug, name, other_name), by name, one per other name
    own: frozenset  # the reader's handles among those asked about


def facts(viewer, handles: tuple = ()) -> Facts:
    """Run the page's first statement for `viewer`, asking which of `handles` are theirs."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    own = bool(handles) and permissions.board_reader(viewer)[0] != "public"
    params = {"accepted": ACCEPTED}
    if own:
        params.update(reader=viewer.id, handles=list(handles))
    rows = connection.execute(_facts(dialect, own), params).all()
    revision = (rows[-1].revision,)
    if dialect == "sqlite":
        info = connection.connection.info
        revision += (info.setdefault(_MARK, secrets.token_hex(8)),)
    return Facts(revision, [row for row in rows if row.part == "g"],
                 frozenset(row.id for row in rows if row.part == "h"))


@dataclass(frozen=True, slots=True)
class Page:
    """A page as it was answered, at `revision`: enough to answer it again."""

    revision: tuple
    made: float
    list_key: tuple
    handles: tuple  # each result's author's handle id, in order
    shown: int
    next_after: str | None
    total: int
    at_least: bool


def page_key(words: list[str], kind: str, group: str, after: str | None, viewer) -> tuple:
    # With the ranking's own settings, which tests change without writing anything.
    # And the language: the page's list of results is kept per language (results_html).
    return ("page", tuple(words), kind, group, after or "", permissions.board_reader(viewer),
            request.script_root, query.WINDOW, query.MIN_RECENT, language())


def peek(key: tuple) -> Page | None:
    """The page kept for `key`, if there is one young enough (its revision is not checked)."""
    cache = results.cache()
    kept = cache.get(key) if cache is not None else None
    if kept is None or time.monotonic() - kept.made >= results.MAX_AGE:
        return None
    return kept


def answer(kept: Page | None, found: Facts) -> results.Results | None:
    """The kept page, if the database is as it was when it was answered, with this reader's
    badges; None if it must be answered again."""
    if kept is None or kept.revision != found.revision:
        return None
    pieces = results.kept_list(kept.list_key)
    if pieces is None:
        return None
    own = [handle in found.own for handle in kept.handles]
    return results.Results(list(kept.list_key[1]), kept.shown, results.assemble(pieces, own),
                           kept.next_after, kept.total, kept.at_least)


def keep(key: tuple, found: Facts, answered: results.Results) -> None:
    cache = results.cache()
    if cache is None or answered.list_key is None:
        return
    page = Page(found.revision, time.monotonic(), answered.list_key, answered.handles,
                answered.shown, answered.next_after, answered.total, answered.at_least)
    cache.put(key, page, 400 + 40 * len(answered.handles))


@dataclass(frozen=True, slots=True)
class SearchPage:
    results: results.Results
    groups: list  # the accepted groups, by name: rows of (id, slug, name, ...)
    group: object | None  # the one the search keeps to, if any
    other_names: list  # the groups again, one row per other name (groups.service.matching)


def search_page(query_text: str, kind: str, kinds: frozenset, group: str, after: str | None,
                per_page: int, viewer) -> SearchPage:
    """A page of results for a reader's words and choices: the kept one while the database
    is as it was, else results.search(); BadCursor if `after` names no result they may see."""
    words = query.terms(query_text)
    key = page_key(words, kind, group, after, viewer)
    page = peek(key) if words else None
    found = facts(viewer, page.handles if page else ())
    groups = list({row.id: row for row in found.groups}.values())
    chosen = next((row for row in groups if row.slug == group), None)
    answered = answer(page, found)
    if answered is None:
        answered = results.search(query_text, query.parse_cursor(after), per_page, viewer,
                                  kinds, chosen.id if chosen else None)
        if words:
            keep(key, found, answered)
    return SearchPage(answered, groups, chosen, found.groups)
