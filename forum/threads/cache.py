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
ORM (erasing an account). It also holds the thread's `language` (each post is marked lang=
with it; a story's writer can change it, which changes no post) and the page's language
(i18n.language()). Every process reads the thread row anyway, so a change made by
another worker or another host is seen at the next request: nothing has to be told to forget.

The thread row is read before the posts, so a copy is never older than its key: a reply
landing in between makes the copy newer than the key says, never staler.

Members have a cache of their own beside it (`member_tree_cache`, MEMBER_TREE_CACHE_BYTES),
keyed by the same three facts and by what the reader may do on the page (tree.py, member_key):
its copies are rendered for a reader who owns no post there and ignores no one, with no CSRF
token in them. The reader's own posts and the posts of names they ignore are found with one
query per request and rendered fresh over the shared copy; no copy says whose a post is.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..models import PUBLIC, Handle, Post, Thread, User

# What a post or a handle shows in a tree and can change once written (a handle links to a
# profile while it has an account: user_id). A post's place (parent, depth, path) is set once,
# while it is being inserted, which post_count already covers.
POST_SHOWN = ("state", "body_html", "edited_at", "handle_id", "thanks_count", "relate_count",
              "strength_count")
HANDLE_SHOWN = ("name", "kind", "user_id")
# A public handle is marked "Moderator" while its account moderates (a pseudonym never is).
USER_SHOWN = ("role",)


class TreeCache:
    """A least-recently-used map of rendered HTML, bounded by the size it holds: the
    characters of the HTML itself, or the size given to put() (tree.py's members' copies
    give their bytes of memory)."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.size = 0
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._lock = Lock()  # the threaded development server; gunicorn's sync workers have one

    def get(self, key: tuple) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple, value: Any, size: int | None = None) -> None:
        size = len(value) if size is None else size
        if size > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._items[key] = (value, size)
            self.size += size
            while self.size > self.max_chars:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


def init_app(app) -> None:
    app.extensions["tree_cache"] = TreeCache(app.config["TREE_CACHE_CHARS"])
    app.extensions["member_tree_cache"] = TreeCache(app.config["MEMBER_TREE_CACHE_BYTES"])


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
