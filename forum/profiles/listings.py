"""Profile pages and lists: what a public handle wrote, and the owner's list of all they wrote."""
from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import bindparam, literal_column, or_, select
from sqlalchemy.orm import Bundle, joinedload

from .. import permissions
from ..extensions import db
from ..models import PUBLIC, PUBLISHED, VISIBLE, Handle, Post, Story, Thread, User
from ..names import name_key
from ..pagination import Page, paginate


class PostListing(NamedTuple):
    """One post in a profile's list, with what its link and heading need."""

    post: Post  # its id, public_id and created_at only (a row, not the model)
    thread_public_id: str
    thread_title: str
    story_slug: str | None  # set when the post is a comment on a story
    excerpt: str  # stored with the post (Post.EXCERPT_CHARS): the whole text is one click away


# --- reading a profile ------------------------------------------------------------------
# The public profile reads plain columns, not whole stories and posts: a listed row needs its
# title, date, summary or excerpt and its link, never its text or HTML. Its statements are
# the same for every request and built once per process (building them cost more than
# running them at 10k posts); what varies is bound.

# The handle's kind written into the SQL, as the unique index on public name keys is
# written (WHERE kind = 'public'): PostgreSQL's kept plan for the prepared statement (its
# generic plan) can use that index only if the statement names the same constant. With the
# kind bound, the kept plan read every handle (6 ms at 1M posts), so PostgreSQL planned the
# lookup again on every profile view instead (0.2 to 1 ms). A constant of the code, never a
# value from a request.
PUBLIC_IN_SQL = literal_column(f"'{PUBLIC}'")


@lru_cache(maxsize=1)
def _handle_statement():
    # Found through the unique index on public name keys; names alone have no index, and
    # reading every handle made a profile cost 0.2 s at a million posts (bench/RESULTS.md).
    return (
        select(Handle)
        .where(Handle.name_key == bindparam("name_key"), Handle.kind == PUBLIC_IN_SQL,
               Handle.name == bindparam("name"), Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )


def profile_handle(name: str) -> Handle | None:
    """The live public handle called exactly `name`, with its account; never an anonymous one."""
    return db.session.scalar(_handle_statement(), {"name_key": name_key(name), "name": name})


@lru_cache(maxsize=1)
def _stories_statement():
    listed = Bundle("story", Story.public_id, Story.slug, Story.title, Story.published_at,
                    Story.summary, Thread.post_count, Story.language)
    return (
        select(listed).join(Thread, Story.thread_id == Thread.id)
        .where(Story.state == PUBLISHED, Story.handle_id == bindparam("handle_id"))
        .order_by(Story.published_at.desc(), Story.id.desc())
    )


def stories_by(handle: Handle, after: str | None, per_page: int) -> Page:
    """One page of the published stories written under this handle, newest first: each with
    its slug, title, date, summary, comment count (`post_count`) and language."""
    return paginate(_stories_statement(), Story, [Story.published_at, Story.id], after,
                    per_page, params={"handle_id": handle.id})


# Who reads, as permissions.readable_threads() takes them, for a statement built once per
# board_reader() kind: a member's id is bound as :reader (their circles are looked up by it).
_READERS = {
    "public": None,
    "all": SimpleNamespace(is_authenticated=True, is_moderator=True, id=None),
    "member": SimpleNamespace(is_authenticated=True, is_moderator=False, id=bindparam("reader")),
}


@lru_cache(maxsize=len(_READERS))
def _posts_statement(reader_kind: str):
    listed = Bundle("post", Post.id, Post.public_id, Post.created_at, Post.excerpt)
    return (
        select(listed, Thread.public_id, Thread.title, Story.slug)
        .join(Thread, Post.thread_id == Thread.id)
        # Comments on a story are read on the story's page, so fetch its slug with the post.
        .outerjoin(Story, Story.thread_id == Thread.id)
        .where(
            Post.handle_id == bindparam("handle_id"),
            Post.state == VISIBLE,
            Thread.hidden.is_(False),
            # A comment under a hidden or draft story would link to a page readers can't open.
            or_(Story.id.is_(None), Story.state == PUBLISHED),
            permissions.readable_threads(_READERS[reader_kind], Thread.board_id),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def posts_by(handle: Handle, after: str | None, per_page: int, viewer=None) -> Page:
    """One page of the visible posts written under this handle, newest first, with their
    places: only those on boards `viewer` (None: a visitor) may read. Each row's `post` holds
    the post's id, public id and date, not its text."""
    reader = permissions.board_reader(viewer)
    params = {"handle_id": handle.id}
    if reader[0] == "member":
        params["reader"] = reader[1]
    page = paginate(_posts_statement(reader[0]), Post, [Post.created_at, Post.id], after,
                    per_page, scalars=False, params=params)
    page.items = [
        PostListing(post, thread, title, slug, post.excerpt)
        for post, thread, title, slug in page.items
    ]
    return page


# --- the owner's own list of everything they wrote ---------------------------------------

class MyPost(NamedTuple):
    """One of my posts in my private list, with the name it appears under."""

    post: Post
    thread_public_id: str
    thread_title: str
    story_slug: str | None
    handle: Handle
    excerpt: str


def my_stories(user: User, after: str | None, per_page: int) -> Page:
    """One page of every story this account wrote, under any of its names, in any state."""
    stmt = (
        select(Story).join(Handle, Story.handle_id == Handle.id)
        .where(Handle.user_id == user.id)
        .options(joinedload(Story.handle), joinedload(Story.thread))
        .order_by(Story.published_at.desc(), Story.id.desc())
    )
    return paginate(stmt, Story, [Story.published_at, Story.id], after, per_page)


def my_posts(user: User, after: str | None, per_page: int) -> Page:
    """One page of every post this account wrote, public or anonymous, newest first; not on
    a board they can no longer read (their own words stay in the export of their data)."""
    stmt = (
        select(Post, Thread.public_id, Thread.title, Story.slug, Handle)
        .join(Handle, Post.handle_id == Handle.id)
        .join(Thread, Post.thread_id == Thread.id)
        .outerjoin(Story, Story.thread_id == Thread.id)
        .where(Handle.user_id == user.id, permissions.readable_threads(user, Thread.board_id))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    page = paginate(stmt, Post, [Post.created_at, Post.id], after, per_page, scalars=False)
    page.items = [
        MyPost(post, thread, title, slug, handle, post.excerpt)
        for post, thread, title, slug, handle in page.items
    ]
    return page
