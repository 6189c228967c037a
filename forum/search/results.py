"""The results: a page of ranked matches (query.ranked reads them with what the page shows),
each with an excerpt."""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b

from flask import current_app
from markupsafe import Markup

from ..models import PUBLIC
from ..templating import permalink_url, story_url, thread_url
from ..text import start_of
from ..threads.cache import TreeCache
from .index import KIND_SHIFT, POST, STORY, THREAD
from .query import CURSOR_PREFIX, EXCERPT_HTML_CHARS, KINDS, ranked, terms

EXCERPT_CHARS = 240


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


def _results(rows, words: list[str]) -> list[Result]:
    """The page's results from the ranking query's rows (query.LOADED's columns), in order."""
    words = tuple(words)
    found = []
    for row in rows:
        kind, author = row.key >> KIND_SHIFT, Author(row.author_name, row.author_kind,
                                                      row.author_user_id)
        if kind == STORY:
            html = f"<p>{Markup.escape(row.summary)}</p>{row.html}"
            found.append(Result("story", row.title, story_url(row.slug), author, row.shown_at,
                                cached_excerpt(html, words),
                                cursor=CURSOR_PREFIX[STORY] + row.public_id))
        elif kind == THREAD:
            found.append(Result("thread", row.title, thread_url(row.public_id), author,
                                row.shown_at,
                                cached_excerpt(row.html, words) if row.html else [],
                                context=row.context,
                                cursor=CURSOR_PREFIX[THREAD] + row.public_id))
        else:
            found.append(Result("post", row.title, permalink_url(row.public_id), author,
                                row.shown_at, cached_excerpt(row.html, words),
                                context=row.context, cursor=CURSOR_PREFIX[POST] + row.public_id))
    return found


def search(raw: str | None, after: tuple[int, str] | None, per_page: int, viewer=None,
           kinds: frozenset[int] = KINDS, group_id: int | None = None) -> Results:
    """One page of results for a reader's query, best match first, in a fixed few queries;
    BadCursor if `after` names no result of this query that `viewer` (None: a visitor) may
    see. Boards they may not read are left out entirely, their threads and posts alike.
    `kinds` and `group_id` narrow it (see query.ranked)."""
    words = terms(raw)
    if not words:
        return Results(words, [], None)
    rows, total, at_least = ranked(words, after, per_page + 1, viewer, kinds, group_id)
    more = len(rows) > per_page
    items = _results(rows[:per_page], words)
    return Results(words, items, items[-1].cursor if more and items else None, total,
                   at_least)
