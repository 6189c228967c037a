"""Rendered post trees for readers who are not logged in, kept in each process, and when a
copy stops being true. forum/threads/tree.py serves pages from it.

A page of 100 posts is the site's most read page and its dearest to build: about two thirds
of its time went into turning rows into ORM objects and the tree macro into HTML
(bench/RESULTS.md). For a reader who is not logged in that HTML is the same for everyone, so
each process keeps the last few it rendered, in a size-bounded LRU.

Nothing here is state the site depends on: a copy is only used while it is still true, which
the database decides. The key holds the thread's `post_count` (a new reply changes it) and its
`revision`, which goes up whenever a post already in the thread changes or goes. The bump is
made by a `before_flush` hook for every change to a post or a handle made through the ORM,
whichever code path makes it, and by `touch()` for the few bulk statements that bypass the
ORM (erasing an account). Every process reads the thread row anyway, so a change made by
another worker or another host is seen at the next request: nothing has to be told to forget.

The thread row is read before the posts, so a copy is never older than its key: a reply
landing in between makes the copy newer than the key says, never staler.

Members are not served from here: their tree carries their own Reply, Edit and moderation
links, and the "you" badge.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from markupsafe import Markup
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..models import PUBLIC, Handle, Post, Thread, User

# What a post or a handle shows in a tree and can change once written (a handle links to a
# profile while it has an account: user_id). A post's place (parent, depth, path) is set once,
# while it is being inserted, which post_count already covers.
POST_SHOWN = ("state", "body_html", "edited_at", "handle_id")
HANDLE_SHOWN = ("name", "kind", "user_id")
# A public handle is marked "Moderator" while its account moderates (a pseudonym never is).
USER_SHOWN = ("role",)


class TreeCache:
    """A least-recently-used map of rendered HTML, bounded by the characters it holds."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.size = 0
        self._items: OrderedDict[tuple, Markup] = OrderedDict()
        self._lock = Lock()  # the threaded development server; gunicorn's sync workers have one

    def get(self, key: tuple) -> Markup | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key: tuple, html: Markup) -> None:
        if len(html) > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._items[key] = html
            self.size += len(html)
            while self.size > self.max_chars:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


def init_app(app) -> None:
    app.extensions["tree_cache"] = TreeCache(app.config["TREE_CACHE_CHARS"])


def touch(session: Session, thread_ids) -> None:
    """Mark these threads' rendered trees as out of date (in the session's transaction)."""
    ids = sorted({i for i in thread_ids if i is not None})
    if ids:
        session.execute(
            update(Thread).where(Thread.id.in_(ids)).values(revision=Thread.revision + 1)
            .execution_options(synchronize_session=False))


def _changed(obj, names) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _bump_revisions(session: Session, flush_context, instances) -> None:
    """Whatever path changes a post or a handle, the threads showing it get a new revision.

    New posts need nothing: the reply's own UPDATE raises the thread's post_count, which is in
    the key. Pending objects are skipped for the same reason (a post inserted earlier in this
    transaction, then given its path)."""
    threads, handles, users = set(), set(), set()
    for obj in session.dirty:
        if isinstance(obj, Post) and _changed(obj, POST_SHOWN):
            threads.add(obj.thread_id)
        elif isinstance(obj, Handle) and _changed(obj, HANDLE_SHOWN):
            handles.add(obj.id)
        elif isinstance(obj, User) and _changed(obj, USER_SHOWN):
            users.add(obj.id)
    if users:
        handles.update(session.scalars(
            select(Handle.id).where(Handle.user_id.in_(users), Handle.kind == PUBLIC)))
    for obj in session.deleted:
        if isinstance(obj, Post):
            threads.add(obj.thread_id)
        elif isinstance(obj, Handle):
            handles.add(obj.id)
    if handles:
        threads.update(session.scalars(
            select(Post.thread_id).where(Post.handle_id.in_(handles)).distinct()))
    touch(session, threads)
