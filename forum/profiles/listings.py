"""Profile pages and lists: what a public handle wrote, and the owner's list of all they wrote."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import PUBLIC, PUBLISHED, VISIBLE, Handle, Post, Story, Thread, User
from ..names import name_key
from ..pagination import Page, paginate


class PostListing(NamedTuple):
    """One post in a profile's list, with what its link and heading need."""

    post: Post
    thread_public_id: str
    thread_title: str
    story_slug: str | None  # set when the post is a comment on a story
    excerpt: str  # stored with the post (Post.EXCERPT_CHARS): the whole text is one click away


# --- reading a profile ------------------------------------------------------------------

def profile_handle(name: str) -> Handle | None:
    """The live public handle called exactly `name`, with its account; never an anonymous one."""
    # Found through the unique index on public name keys; names alone have no index, and
    # reading every handle made a profile cost 0.2 s at a million posts (bench/RESULTS.md).
    return db.session.scalar(
        select(Handle)
        .where(Handle.name_key == name_key(name), Handle.kind == PUBLIC, Handle.name == name,
               Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )


def stories_by(handle: Handle, after: str | None, per_page: int) -> Page:
    """One page of the published stories written under this handle, newest first."""
    stmt = (
        Story.published().where(Story.handle_id == handle.id)
        # The list shows the comment count, so the thread comes in the same query.
        .options(joinedload(Story.thread))
    )
    return paginate(stmt, Story, [Story.published_at, Story.id], after, per_page)


def posts_by(handle: Handle, after: str | None, per_page: int, viewer=None) -> Page:
    """One page of the visible posts written under this handle, newest first, with their
    places: only those on boards `viewer` (None: a visitor) may read."""
    stmt = (
        select(Post, Thread.public_id, Thread.title, Story.slug)
        .join(Thread, Post.thread_id == Thread.id)
        # Comments on a story are read on the story's page, so fetch its slug with the post.
        .outerjoin(Story, Story.thread_id == Thread.id)
        .where(
            Post.handle_id == handle.id,
            Post.state == VISIBLE,
            Thread.hidden.is_(False),
            # A comment under a hidden or draft story would link to a page readers can't open.
            or_(Story.id.is_(None), Story.state == PUBLISHED),
            permissions.readable_threads(viewer, Thread.board_id),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    page = paginate(stmt, Post, [Post.created_at, Post.id], after, per_page, scalars=False)
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
