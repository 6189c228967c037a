"""The results: the rows behind the ranked keys, each with an excerpt, a page at a time."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import aliased, joinedload, load_only

from ..extensions import db
from ..models import VISIBLE, Post, Story, Thread
from ..templating import permalink_url, story_url, thread_url
from ..text import start_of
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


def _start(column):
    """The start of a long HTML column, read in the database: what excerpt() reads of it."""
    return func.substr(column, 1, EXCERPT_HTML_CHARS + 1)


@lru_cache(maxsize=1)
def _statements() -> dict:
    """The three loading statements, built once per process (building them, with their
    options and the correlated first post, cost more than running them); the ids of each
    kind are bound when they run."""
    ids = bindparam("ids", expanding=True)
    # Only what the page shows: not the Markdown, and only the start of the HTML (one
    # character more than the excerpt reads, so that it knows there is more).
    story = (select(Story, _start(Story.body_html)).where(Story.id.in_(ids))
             .options(load_only(Story.id, Story.public_id, Story.title, Story.slug,
                                Story.summary, Story.published_at),
                      joinedload(Story.handle)))
    # With the start of its first post, for the excerpt (that post is not a result of its
    # own: query.NOT_ITS_THREADS_DUPLICATE), when everyone may read it. One index seek per
    # thread (ix_posts_thread_path: its smallest path), whatever the size of the posts table.
    first = aliased(Post)
    first_html = (select(case((first.state == VISIBLE, _start(first.body_html))))
                  .where(first.thread_id == Thread.id).order_by(first.path).limit(1)
                  .correlate(Thread).scalar_subquery())
    thread = (select(Thread, first_html).where(Thread.id.in_(ids))
              .options(joinedload(Thread.handle), joinedload(Thread.board)))
    post = (select(Post, _start(Post.body_html), Thread.title)
            .join(Thread, Post.thread_id == Thread.id)
            .where(Post.id.in_(ids))
            .options(load_only(Post.id, Post.public_id, Post.created_at),
                     joinedload(Post.handle)))
    return {STORY: story, THREAD: thread, POST: post}


def _load(keys: list[int], words: list[str]) -> list[Result]:
    """The rows behind `keys`, one query per kind, in the order of `keys`."""
    ids = {kind: [k & ID_MASK for k in keys if k >> KIND_SHIFT == kind]
           for kind in (STORY, THREAD, POST)}
    found: dict[int, Result] = {}
    if ids[STORY]:
        rows = db.session.execute(_statements()[STORY], {"ids": ids[STORY]})
        for story, html in rows:
            found[(STORY << KIND_SHIFT) + story.id] = Result(
                "story", story.title, story_url(story.slug), story.handle,
                story.published_at,
                excerpt(f"<p>{Markup.escape(story.summary)}</p>{html}", words),
                cursor=CURSOR_PREFIX[STORY] + story.public_id)
    if ids[THREAD]:
        rows = db.session.execute(_statements()[THREAD], {"ids": ids[THREAD]})
        for thread, html in rows:
            found[(THREAD << KIND_SHIFT) + thread.id] = Result(
                "thread", thread.title, thread_url(thread.public_id),
                thread.handle, thread.created_at, excerpt(html, words) if html else [],
                context=thread.board.name if thread.board else "",
                cursor=CURSOR_PREFIX[THREAD] + thread.public_id)
    if ids[POST]:
        rows = db.session.execute(_statements()[POST], {"ids": ids[POST]})
        for post, html, title in rows:
            found[(POST << KIND_SHIFT) + post.id] = Result(
                "post", title, permalink_url(post.public_id), post.handle,
                post.created_at, excerpt(html, words), context=title,
                cursor=CURSOR_PREFIX[POST] + post.public_id)
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
