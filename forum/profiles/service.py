"""Profiles: what a public handle has written, and the changes a person makes to their account."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import text
from ..auth.service import RegistrationError, end_sessions, handle_available
from ..extensions import db
from ..models import PUBLIC, PUBLISHED, VISIBLE, Handle, Post, Story, Thread, User
from ..names import name_key
from ..pagination import Page, paginate

BIO_MAX = 2000
# Long enough to recognise a post in the list; the whole text is one click away.
EXCERPT_CHARS = 240


class SettingsError(ValueError):
    """A settings change that was refused, phrased for the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class PostListing(NamedTuple):
    """One post in a profile's list, with what its link and heading need."""

    post: Post
    thread_id: int
    thread_title: str
    story_slug: str | None  # set when the post is a comment on a story
    excerpt: str


# --- reading a profile ------------------------------------------------------------------

def profile_handle(name: str) -> Handle | None:
    """The live public handle called exactly `name`, with its account; never an anonymous one."""
    return db.session.scalar(
        select(Handle)
        .where(Handle.name == name, Handle.kind == PUBLIC, Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )


def stories_by(handle: Handle, after: int | None, per_page: int) -> Page:
    """One page of the published stories written under this handle, newest first."""
    stmt = (
        Story.published().where(Story.handle_id == handle.id)
        # The list shows the comment count, so the thread comes in the same query.
        .options(joinedload(Story.thread))
    )
    return paginate(stmt, Story, [Story.published_at, Story.id], after, per_page)


def posts_by(handle: Handle, after: int | None, per_page: int) -> Page:
    """One page of the visible posts written under this handle, newest first, with their places."""
    stmt = (
        select(Post, Thread.title, Story.slug)
        .join(Thread, Post.thread_id == Thread.id)
        # Comments on a story are read on the story's page, so fetch its slug with the post.
        .outerjoin(Story, Story.thread_id == Thread.id)
        .where(
            Post.handle_id == handle.id,
            Post.state == VISIBLE,
            Thread.hidden.is_(False),
            # A comment under a hidden or draft story would link to a page readers can't open.
            or_(Story.id.is_(None), Story.state == PUBLISHED),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    page = paginate(stmt, Post, [Post.created_at, Post.id], after, per_page, scalars=False)
    page.items = [
        PostListing(post, post.thread_id, title, slug, text.plain(post.body, EXCERPT_CHARS))
        for post, title, slug in page.items
    ]
    return page


# --- changing one's own account ---------------------------------------------------------

def public_handle_of(user: User) -> Handle:
    """The account's public handle, fetched alone rather than with every anonymous one."""
    return db.session.scalar(
        select(Handle).where(Handle.user_id == user.id, Handle.kind == PUBLIC)
    )


def clean_bio(bio: str | None) -> str:
    """The bio as it will be stored: one kind of line break, no NULs, no outer blank space."""
    return (bio or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def update_profile(user: User, *, handle: str, bio: str, anonymous_by_default: bool) -> Handle:
    """Save a new public handle, bio and default for anonymous posting, all or nothing."""
    try:
        name = handle_available(handle, user)
    except RegistrationError as error:
        raise SettingsError("handle", error.message) from error
    bio = clean_bio(bio)
    if len(bio) > BIO_MAX:
        raise SettingsError("bio", f"That is {len(bio):,} characters; the limit is {BIO_MAX:,}.")
    public = public_handle_of(user)
    public.name, public.name_key = name, name_key(name)
    user.bio = bio
    user.anonymous_by_default = anonymous_by_default
    try:
        db.session.commit()
    except IntegrityError as error:
        # Someone took the same name between our check and this write: the unique index wins.
        db.session.rollback()
        raise SettingsError(
            "handle", "That handle, or one that looks like it, is taken."
        ) from error
    return public


def change_password(user: User, *, current: str, new: str) -> None:
    """Set a new password once the current one is proven, and end every other session."""
    if not user.check_password(current):
        raise SettingsError("current_password", "That is not your current password.")
    user.set_password(new)
    # Bumping the session version (and committing both) signs out every copy of the old cookie.
    end_sessions(user)


def end_other_sessions(user: User) -> None:
    """Sign out every other device; the caller logs this one in again with the new version."""
    end_sessions(user)
