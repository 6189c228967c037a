"""The results: a page of ranked matches (query.ranked reads them with what the page shows),
each with an excerpt."""
from __future__ import annotations

import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b

from flask import current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from .. import permissions
from ..i18n import language
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
    language: str = "en"  # what its title and excerpt are written in (lang=)


@dataclass
class Results:
    words: list[str]
    shown: int  # results on this page
    html: Markup  # this page's list of them (templates/search/_results.html)
    next_after: str | None
    total: int = 0  # every match of the search, on all its pages
    at_least: bool = False  # more matched than are ranked (query.WINDOW): total is a floor
    list_key: tuple | None = None  # where the list's HTML is kept (results_html)
    handles: tuple = ()  # each result's author's handle id, in order

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


class _Unowned:
    """An author as the kept list shows it: the name and whether it links to a profile, and no
    account (permissions.owns is false for it: the reader's badge is put in afterwards)."""

    __slots__ = ("name", "has_profile")
    user_id = None

    def __init__(self, author: Author):
        self.name, self.has_profile = author.name, author.has_profile


# What a search made lately, kept in each process (SEARCH_CACHE_BYTES; 0 turns it off): the
# excerpts, and each page's list of results as HTML. Making them was most of a page's time.
# Both are keyed by what they show, never by a row alone: an excerpt by the query's words and
# a digest of the very HTML it comes from; a list by the words and, for each result, its
# kind, row id, public id, title, slug, date, context, author's name and whether it links to
# a profile, and the digest of its text. The ranking query reads all of that afresh, for this
# reader, on every search: a list is only used when the rows it shows are the very rows this
# reader may see now, unchanged, so an edit, a deletion, a hidden post or a private board is
# never served from it, in this process or after a change made through another. Nothing
# kept says whose a name is: a list is rendered as for a reader who owns none of its names,
# and the "you" badges of the reader's own names go in for each request (a stand-in marks
# their places). Entries also go after MAX_AGE seconds, so removed words do not linger.
# A list's key also holds each result's language, which the list marks its words with (lang=).
MAX_AGE = 600
_CUT = f"\x00you-{secrets.token_hex(8)}\x00"  # random per process: no text can contain it
# What the `author` macro writes after the name of the reader's own (tests check it), with
# the badge's word in the reader's language (the same msgid as templates/_author.html's).
BADGE = Markup(' <span class="badge">%s</span>')


def badge() -> Markup:
    """The "you" badge, in this request's language."""
    return BADGE % _("you")


def cache() -> TreeCache | None:
    app = current_app._get_current_object()
    cache = app.extensions.get("search_cache")
    if cache is None:
        cache = app.extensions["search_cache"] = TreeCache(app.config["SEARCH_CACHE_BYTES"])
    return cache if cache.max_chars > 0 else None


_cache_or_none = cache  # (a parameter below is called `cache`)


def kept_list(key: tuple) -> list[str] | None:
    """The pieces of a list kept under `key` (results_html), if young enough."""
    return _kept(cache(), key, time.monotonic())


def assemble(pieces: list[str], own: list[bool]) -> Markup:
    """A kept list with the "you" badge where `own` says a result's name is the reader's."""
    out, mark = [pieces[0]], badge() if any(own) else None
    for mine, piece in zip(own, pieces[1:]):
        out += (mark, piece) if mine else (piece,)
    return Markup("".join(out))  # nosec B704: rendered by the template, which escaped it


def _kept(cache: TreeCache | None, key: tuple, now: float):
    kept = cache.get(key) if cache is not None else None
    return kept[1] if kept is not None and now - kept[0] < MAX_AGE else None


def _digest(html: str) -> bytes:
    return blake2b(html.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def cached_excerpt(html: str, words: tuple[str, ...], digest: bytes | None = None,
                   cache: TreeCache | None = None, now: float = 0.0):
    """excerpt(html, words), from this process's cache when it made it lately."""
    if cache is None:
        return excerpt(html, list(words))
    key = ("excerpt", words, digest or _digest(html))
    pieces = _kept(cache, key, now)
    if pieces is None:
        pieces = excerpt(html, list(words))
        # Bytes of memory: the pieces' text, their tuples and the list, the key and entry.
        size = (sum(sys.getsizeof(text) + 64 for text, _ in pieces) + sys.getsizeof(pieces)
                + sum(map(sys.getsizeof, words)) + 200)
        cache.put(key, (now, pieces), size)
    return pieces


def _text(row) -> str:
    """The HTML a result's excerpt is made from."""
    if row.key >> KIND_SHIFT == STORY:
        return f"<p>{Markup.escape(row.summary)}</p>{row.html}"
    return row.html or ""


def _results(rows, words: tuple[str, ...], digests: list[bytes], cache, now) -> list[Result]:
    """The page's results from the ranking query's rows (query.LOADED's columns), in order,
    each with its author as the kept list shows it (_Unowned)."""
    found = []
    for row, digest in zip(rows, digests):
        kind, author = row.key >> KIND_SHIFT, _Unowned(
            Author(row.author_name, row.author_kind, row.author_user_id))
        text = _text(row)
        shown = cached_excerpt(text, words, digest, cache, now) if text else []
        if kind == STORY:
            found.append(Result("story", row.title, story_url(row.slug), author, row.shown_at,
                                shown, cursor=CURSOR_PREFIX[STORY] + row.public_id,
                                language=row.language))
        elif kind == THREAD:
            found.append(Result("thread", row.title, thread_url(row.public_id), author,
                                row.shown_at, shown, context=row.context,
                                cursor=CURSOR_PREFIX[THREAD] + row.public_id,
                                language=row.language))
        else:
            found.append(Result("post", row.title, permalink_url(row.public_id), author,
                                row.shown_at, shown, context=row.context,
                                cursor=CURSOR_PREFIX[POST] + row.public_id,
                                language=row.language))
    return found


def results_html(rows, words: list[str], viewer=None) -> tuple[Markup, tuple]:
    """The list of results for the ranking query's rows, as HTML, with the "you" badge on
    `viewer`'s own names, and the key it is kept under; from this process's cache when it
    showed the same lately."""
    words, cache, now = tuple(words), _cache_or_none(), time.monotonic()
    digests = [_digest(_text(row)) for row in rows]
    key = ("list", words, request.script_root, tuple(
        (row.key, row.public_id, row.title, row.slug, row.shown_at, row.context,
         row.author_name, row.author_kind == PUBLIC and row.author_user_id is not None, digest,
         row.language)
        for row, digest in zip(rows, digests)), language())
    pieces = _kept(cache, key, now)
    if pieces is None:
        items = _results(rows, words, digests, cache, now)
        # The stand-in is this module's constant, no one's text.
        pieces = render_template("search/_results.html", items=items,
                                 cut=Markup(_CUT)).split(_CUT)  # nosec B704
        if cache is not None:
            # Bytes of memory: the HTML, and the key's text and values (a tuple each).
            cache.put(key, (now, pieces), sum(map(sys.getsizeof, pieces)) + sum(
                sum(map(sys.getsizeof, shown)) + 120 for shown in key[3]) + 300)
    # The badges, for this reader only: never kept.
    own = [permissions.owns(viewer, Author(row.author_name, row.author_kind,
                                           row.author_user_id)) for row in rows]
    return assemble(pieces, own), key


def search(raw: str | None, after: tuple[int, str] | None, per_page: int, viewer=None,
           kinds: frozenset[int] = KINDS, group_id: int | None = None) -> Results:
    """One page of results for a reader's query, best match first, in a fixed few queries;
    BadCursor if `after` names no result of this query that `viewer` (None: a visitor) may
    see. Boards they may not read are left out entirely, their threads and posts alike.
    `kinds` and `group_id` narrow it (see query.ranked)."""
    words = terms(raw)
    if not words:
        return Results(words, 0, Markup(""), None)
    rows, total, at_least = ranked(words, after, per_page + 1, viewer, kinds, group_id)
    page = rows[:per_page]
    last = page[-1] if page and len(rows) > per_page else None
    html, list_key = results_html(page, words, viewer)
    return Results(words, len(page), html,
                   CURSOR_PREFIX[last.key >> KIND_SHIFT] + last.public_id if last else None,
                   total, at_least, list_key, tuple(row.author_id for row in page))


def group_options(groups, chosen: str) -> Markup:
    """The search form's group choices as HTML, kept by the groups and the chosen one: with a
    few hundred groups, rendering them was a third of a kept search page's time."""
    if not groups:
        return Markup("")
    pairs = tuple((g.slug, g.name) for g in groups)
    kept, key = cache(), ("options", pairs, chosen, language())
    html = kept.get(key) if kept is not None else None
    if html is None:
        html = render_template("search/_group_options.html", all_groups=pairs, group=chosen)
        if kept is not None:
            kept.put(key, html, sys.getsizeof(html) + sum(
                sys.getsizeof(slug) + sys.getsizeof(name) + 64 for slug, name in pairs))
    return Markup(html)  # nosec B704: rendered by the template, which escaped it
