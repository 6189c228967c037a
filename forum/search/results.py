"""The results: the rows behind the ranked keys, each with an excerpt, a page at a time."""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from hashlib import blake2b

from flask import current_app
from markupsafe import Markup
from sqlalchemy import bindparam, case, func, literal_column, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import PUBLIC, VISIBLE, Board, Handle, Post, Story, Thread
from ..templating import permalink_url, story_url, thread_url
from ..text import start_of
from ..threads.cache import TreeCache
from .index import ID_MASK, KIND_SHIFT, POST, STORY, THREAD
from .query import CURSOR_PREFIX, KINDS, ranked_keys, terms

EXCERPT_CHARS = 240
# How much of a result's HTML is read for its excerpt: some 3,000 words of plain prose.
EXCERPT_HTML_CHARS = 20_000


@dataclass
class Result:
    """One search result, ready for the page: nothing here links an anonymous name anywhere."""

    kind: str  # "story", "thread" or "post"
    title: str
    url: str
    handle: object  # the Handle shown as the author, rendered by the `author` macro
    date: datetime
    excerpt: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a match)
    context: str = ""  # for a post: the title of the discussion it is in
    cursor: str = ""  # names this result in a page link: its kind's letter and public id


@dataclass
class Results:
    words: list[str]
    items: list[Result]
    next_after: str | None
    total: int = 0  # every match of the search, on all its pages
    at_least: bool = False  # more matched than are ranked (query.WINDOW): total is a floor

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


def excerpt(html: str, words: list[str], length: int = EXCERPT_CHARS) -> list[tuple[str, bool]]:
    """Plain text around the first matching word, split into (text, is a match) pieces.

    The text comes from the already sanitised HTML with its tags stripped; the template
    escapes every piece, so nothing a writer typed becomes markup here.
    """
    # Only the start of a long text is read: stripping and unescaping all of 100,000
    # characters took up to 30 ms per result. A match further in shows the text's start.
    start_html = start_of(html, EXCERPT_HTML_CHARS)
    more = len(start_html) < len(html)
    # Already sanitised HTML in, plain text out (escaped by the template): no Markup escapes.
    plain = Markup(start_html).striptags()  # nosec B704
    if not plain:
        return []
    # A match is any word starting like a search term, so "shunned" marks "shunning" too.
    stems = sorted({w if len(w) <= 4 else w[: max(4, len(w) - 2)] for w in words},
                   key=len, reverse=True)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE
    ) if stems else None
    first = pattern.search(plain) if pattern else None
    start = 0
    if first and first.start() > length // 4:
        start = plain.rfind(" ", 0, first.start() - length // 4) + 1
    window = plain[start:start + length]
    if start + length < len(plain) or more:
        window = window.rsplit(" ", 1)[0] + "…"
    if start:
        window = "…" + window
    if pattern is None:
        return [(window, False)]
    pieces, pos = [], 0
    for match in pattern.finditer(window):
        if match.start() > pos:
            pieces.append((window[pos:match.start()], False))
        pieces.append((match.group(), True))
        pos = match.end()
    if pos < len(window):
        pieces.append((window[pos:], False))
    return pieces


@dataclass(frozen=True, slots=True)
class Author:
    """The name a result shows as its author, read with the result (a Handle's columns, not
    the ORM object): what the `author` macro and permissions.owns ask of a handle."""

    name: str
    kind: str
    user_id: int | None

    @property
    def has_profile(self) -> bool:
        return self.kind == PUBLIC and self.user_id is not None


# Excerpts made lately, kept in each process (SEARCH_EXCERPT_CACHE_BYTES; 0 turns it off):
# making one was most of loading a page of results. An excerpt is keyed by the query's words
# and a digest of the very HTML it was made from, never by a row: it is only used for a row
# the ranking query found visible to this reader just now, with that same text, so an edit, a
# deletion or a hidden post is never served from it. It holds no author, account or reader.
# Entries also go after EXCERPT_MAX_AGE seconds, so removed words do not linger in memory.
EXCERPT_MAX_AGE = 600


def _excerpt_cache() -> TreeCache | None:
    app = current_app._get_current_object()
    cache = app.extensions.get("search_excerpt_cache")
    if cache is None:
        cache = app.extensions["search_excerpt_cache"] = TreeCache(
            app.config["SEARCH_EXCERPT_CACHE_BYTES"])
    return cache if cache.max_chars > 0 else None


def cached_excerpt(html: str, words: tuple[str, ...]) -> list[tuple[str, bool]]:
    """excerpt(html, words), from this process's cache when it made it lately."""
    cache = _excerpt_cache()
    if cache is None:
        return excerpt(html, list(words))
    key = (words, blake2b(html.encode("utf-8", "surrogatepass"), digest_size=16).digest())
    now = time.monotonic()
    kept = cache.get(key)
    if kept is not None and now - kept[0] < EXCERPT_MAX_AGE:
        return kept[1]
    pieces = excerpt(html, list(words))
    # Bytes of memory: the pieces' text, their tuples and the list, the key and the entry.
    size = (sum(sys.getsizeof(text) + 64 for text, _ in pieces) + sys.getsizeof(pieces)
            + sum(map(sys.getsizeof, words)) + 200)
    cache.put(key, (now, pieces), size)
    return pieces


def _start(column):
    """The start of a long HTML column, read in the database: what excerpt() reads of it."""
    return func.substr(column, 1, EXCERPT_HTML_CHARS + 1)


_EMPTY = literal_column("''")


@lru_cache(maxsize=1)
def _statement():
    """The one loading statement, for results of every kind, built once per process: plain
    columns, one row per result, no ORM objects (building those was most of a page's load).
    Each row: kind, id, public id, title, slug (stories), date, summary (stories), the start
    of the HTML the excerpt is made from, context (a thread's board, a post's thread title),
    and the author's name, kind and account."""
    ids = {kind: bindparam(f"ids_{kind}", expanding=True) for kind in (STORY, THREAD, POST)}
    h = aliased(Handle)
    story = (select(literal_column(str(STORY)), Story.id, Story.public_id, Story.title, Story.slug,
                    Story.published_at, Story.summary, _start(Story.body_html),
                    _EMPTY, h.name, h.kind, h.user_id)
             .join(h, h.id == Story.handle_id).where(Story.id.in_(ids[STORY])))
    # With the start of its first post, for the excerpt (that post is not a result of its
    # own: query.NOT_ITS_THREADS_DUPLICATE), when everyone may read it. One index seek per
    # thread (ix_posts_thread_path: its smallest path), whatever the size of the posts table.
    first = aliased(Post)
    first_html = (select(case((first.state == VISIBLE, _start(first.body_html))))
                  .where(first.thread_id == Thread.id).order_by(first.path).limit(1)
                  .correlate(Thread).scalar_subquery())
    thread = (select(literal_column(str(THREAD)), Thread.id, Thread.public_id, Thread.title, _EMPTY,
                     Thread.created_at, _EMPTY, first_html,
                     func.coalesce(Board.name, ""), h.name, h.kind, h.user_id)
              .join(h, h.id == Thread.handle_id).outerjoin(Board, Board.id == Thread.board_id)
              .where(Thread.id.in_(ids[THREAD])))
    post = (select(literal_column(str(POST)), Post.id, Post.public_id, Thread.title, _EMPTY,
                   Post.created_at, _EMPTY, _start(Post.body_html), Thread.title,
                   h.name, h.kind, h.user_id)
            .join(Thread, Post.thread_id == Thread.id).join(h, h.id == Post.handle_id)
            .where(Post.id.in_(ids[POST])))
    return union_all(story, thread, post)


def _load(keys: list[int], words: list[str]) -> list[Result]:
    """The rows behind `keys`, in one query, in the order of `keys`."""
    if not keys:
        return []
    ids = {f"ids_{kind}": [k & ID_MASK for k in keys if k >> KIND_SHIFT == kind]
           for kind in (STORY, THREAD, POST)}
    found: dict[int, Result] = {}
    words = tuple(words)
    for (kind, id_, public_id, title, slug, date, summary, html, context,
         name, handle_kind, user_id) in db.session.execute(_statement(), ids):
        author = Author(name, handle_kind, user_id)
        if kind == STORY:
            result = Result("story", title, story_url(slug), author, date,
                            cached_excerpt(f"<p>{Markup.escape(summary)}</p>{html}", words),
                            cursor=CURSOR_PREFIX[STORY] + public_id)
        elif kind == THREAD:
            result = Result("thread", title, thread_url(public_id), author, date,
                            cached_excerpt(html, words) if html else [], context=context,
                            cursor=CURSOR_PREFIX[THREAD] + public_id)
        else:
            result = Result("post", title, permalink_url(public_id), author, date,
                            cached_excerpt(html, words), context=context,
                            cursor=CURSOR_PREFIX[POST] + public_id)
        found[(kind << KIND_SHIFT) + id_] = result
    return [found[k] for k in keys if k in found]


def search(raw: str | None, after: tuple[int, str] | None, per_page: int, viewer=None,
           kinds: frozenset[int] = KINDS, group_id: int | None = None) -> Results:
    """One page of results for a reader's query, best match first, in a fixed few queries;
    BadCursor if `after` names no result of this query that `viewer` (None: a visitor) may
    see. Boards they may not read are left out entirely, their threads and posts alike.
    `kinds` and `group_id` narrow it (see query.ranked_keys)."""
    words = terms(raw)
    if not words:
        return Results(words, [], None)
    keys, total, at_least = ranked_keys(words, after, per_page + 1, viewer, kinds, group_id)
    more = len(keys) > per_page
    items = _load(keys[:per_page], words)
    return Results(words, items, items[-1].cursor if more and items else None, total,
                   at_least)
