"""Bookmarks: a member keeps a story or a post for later, privately.

Nobody but the member reads their bookmarks: not on any page, not in a cached tree (a post's
Bookmark button is the same for every reader and only adds), not in a count. The list shows
a kept item only while the member may still read it; one since hidden, deleted or moved out
of their reach stays in the list as "no longer available", without its title or words (the
statement itself leaves them out), so that the member sees what went and can remove it.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, delete, false, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Bundle, aliased

from .. import permissions, ratelimit
from ..extensions import db
from ..models import PUBLISHED, VISIBLE, Bookmark, Post, Story, Thread, User
from ..pagination import Page, paginate
from ..text import EXCERPT_CHARS, cut


class KeptItem(NamedTuple):
    """One line of the Bookmarks page. `title` and `excerpt` are None when the item is no
    longer available to the member: nothing of it reaches the page then."""

    public_id: str  # the bookmark's: the page's cursor and its removal address
    kind: str  # "story" or "post"
    target: str | None  # the story's slug, or the post's public id, while available
    title: str | None
    excerpt: str | None
    language: str | None  # what its title and words are written in (lang=)
    kept_at: datetime

    @property
    def is_available(self) -> bool:
        return self.title is not None


def count_change(user: User) -> None:
    """One more bookmark kept or removed; ratelimit.RateLimited past BOOKMARK_LIMIT."""
    ratelimit.hit([("bookmark", current_app.config["BOOKMARK_LIMIT"], f"u{user.id}",
                    # Translators: keep {wait} as it is; it becomes "4 minutes" and the like.
                    _("That is as many bookmarks as this site keeps or removes for now. "
                      "Please wait {wait}, then try again."))])


def _target(story: Story | None, post: Post | None):
    return Bookmark.story_id == story.id if story is not None else Bookmark.post_id == post.id


def is_kept(user: User, *, story: Story | None = None, post: Post | None = None) -> bool:
    """Whether the member keeps this story or post."""
    return db.session.scalar(select(Bookmark.id).where(
        Bookmark.user_id == user.id, _target(story, post))) is not None


def keep(user: User, *, story: Story | None = None, post: Post | None = None,
         now: datetime) -> None:
    """Keep a story or a post the member may read; keeping it again changes nothing."""
    count_change(user)
    if is_kept(user, story=story, post=post):
        return
    db.session.add(Bookmark(user_id=user.id, story_id=story.id if story else None,
                            post_id=post.id if post else None, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # the same member's other click got there first: kept all the same
        db.session.rollback()


def drop(user: User, *, story: Story | None = None, post: Post | None = None) -> None:
    """Stop keeping a story or a post (nothing happens if it was not kept)."""
    count_change(user)
    db.session.execute(delete(Bookmark).where(Bookmark.user_id == user.id, _target(story, post)))
    db.session.commit()


def remove(user: User, bookmark: Bookmark) -> None:
    """Remove one of the member's bookmarks from their list."""
    count_change(user)
    db.session.delete(bookmark)
    db.session.commit()


def kept_column(story_id):
    """Whether the reader bound as :reader keeps the story whose id is `story_id` (a column),
    as a column of the story page's own statement (always false for a visitor)."""
    return select(Bookmark.id).where(Bookmark.user_id == bindparam("reader"),
                                     Bookmark.story_id == story_id).exists()


class _KeptRows(Bundle):
    """The listing's columns read as one KeptItem each (no ORM object per line)."""

    def create_row_processor(self, query, procs, labels):
        def make(row):
            public_id, kind, target, title, words, language, kept_at = [
                proc(row) for proc in procs]
            # A story's stored excerpt is long enough for a moderator to judge it; a list
            # shows the start of it, as other lists do (a cut, nothing rendered).
            return KeptItem(public_id, kind, target, title,
                            None if words is None else cut(words, EXCERPT_CHARS), language,
                            kept_at)
        return make


# The states written into the SQL, not bound: constants of the code (see
# forum/stories/listed.py, PUBLISHED_IN_SQL, on why a bound state costs PostgreSQL's plan).
_PUBLISHED = literal_column(f"'{PUBLISHED}'")
_VISIBLE = literal_column(f"'{VISIBLE}'")


@lru_cache(maxsize=4)
def _listing(reader: tuple):
    """The member's bookmarks (bound as :user_id), newest first, each with what the page
    shows of it if they may still read it: one statement per page, built once per kind of
    reader (permissions.bound_board_reader)."""
    thread = aliased(Thread)
    story_ok = and_(Bookmark.story_id.is_not(None), Story.state == _PUBLISHED)
    post_ok = and_(Bookmark.post_id.is_not(None), Post.state == _VISIBLE,
                   thread.hidden == false(),
                   permissions.readable_board_condition(reader, thread.board_id))
    return (select(_KeptRows(
                "kept", Bookmark.public_id,
                case((Bookmark.story_id.is_not(None), literal_column("'story'")),
                     else_=literal_column("'post'")),
                case((story_ok, Story.slug), (post_ok, Post.public_id)),
                case((story_ok, Story.title), (post_ok, thread.title)),
                case((story_ok, Story.excerpt), (post_ok, Post.excerpt)),
                case((story_ok, Story.language), (post_ok, thread.language)),
                Bookmark.created_at))
            .outerjoin(Story, Story.id == Bookmark.story_id)
            .outerjoin(Post, Post.id == Bookmark.post_id)
            .outerjoin(thread, thread.id == Post.thread_id)
            .where(Bookmark.user_id == bindparam("user_id"))
            .order_by(Bookmark.created_at.desc(), Bookmark.id.desc()))


def page_of(user: User, after: str | None) -> Page:
    """One page of the member's bookmarks (KeptItem), newest first."""
    reader, params = permissions.bound_board_reader(user)
    return paginate(_listing(reader), Bookmark, [Bookmark.created_at, Bookmark.id], after,
                    current_app.config["ITEMS_PER_PAGE"], params={**params, "user_id": user.id})
