"""Profiles: what a public handle has written, and the changes a person makes to their account."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from .. import ratelimit, text
from ..auth.emails import is_usable
from ..auth.service import RegistrationError, confirm_password, end_sessions, handle_available
from ..clock import utcnow
from ..extensions import db
from ..models import (
    DELETED, PUBLIC, PUBLISHED, VISIBLE, Follow, Handle, Notification, Post, Report,
    Story, StoryRevision, Thread, User,
)
from ..names import name_key
from ..notifications import mail
from ..pagination import Page, paginate
from ..posting import refusals as posting
from ..refusals import SettingsError
from ..threads import cache as thread_cache

BIO_MAX = 2000


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


def posts_by(handle: Handle, after: str | None, per_page: int) -> Page:
    """One page of the visible posts written under this handle, newest first, with their places."""
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
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    page = paginate(stmt, Post, [Post.created_at, Post.id], after, per_page, scalars=False)
    page.items = [
        PostListing(post, thread, title, slug, post.excerpt)
        for post, thread, title, slug in page.items
    ]
    return page


# --- changing one's own account ---------------------------------------------------------

def clean_bio(bio: str | None) -> str:
    """The bio as it will be stored: one kind of line break, no NULs, no outer blank space."""
    return text.normalise(bio, strip=True)


def update_profile(user: User, *, handle: str, bio: str, anonymous_by_default: bool) -> Handle:
    """Save a new public handle, bio and default for anonymous posting, all or nothing."""
    try:
        posting.check_profile_write(user, utcnow())
    except posting.PostingError as error:
        raise SettingsError("bio", error.message, getattr(error, "status", 400)) from error
    try:
        name = handle_available(handle, user)
    except RegistrationError as error:
        raise SettingsError("handle", error.message) from error
    bio = clean_bio(bio)
    if len(bio) > BIO_MAX:
        raise SettingsError("bio", f"That is {len(bio):,} characters; the limit is {BIO_MAX:,}.")
    public = db.session.scalar(Handle.public_of(user))
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
    """Set a new password once the current one is proven, and end every other session.

    Raises ratelimit.RateLimited once the current password was tried too often.
    """
    if not confirm_password(user, current):
        raise SettingsError("current_password", "That is not your current password.")
    user.set_password(new)
    # Bumping the session version (and committing both) signs out every copy of the old cookie.
    end_sessions(user)
    # An owner who did not make the change hears of it; the notice names nothing else.
    if is_usable(user.email):
        mail.send_notice(mail.password_changed_message(user.email))


def end_other_sessions(user: User) -> None:
    """Sign out every other device; the caller logs this one in again with the new version."""
    end_sessions(user)


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
    """One page of every post this account wrote, public or anonymous, newest first."""
    stmt = (
        select(Post, Thread.public_id, Thread.title, Story.slug, Handle)
        .join(Handle, Post.handle_id == Handle.id)
        .join(Thread, Post.thread_id == Thread.id)
        .outerjoin(Story, Story.thread_id == Thread.id)
        .where(Handle.user_id == user.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    page = paginate(stmt, Post, [Post.created_at, Post.id], after, per_page, scalars=False)
    page.items = [
        MyPost(post, thread, title, slug, handle, post.excerpt)
        for post, thread, title, slug, handle in page.items
    ]
    return page


# --- export -------------------------------------------------------------------------------

def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _handle_names(user: User) -> dict[int, Handle]:
    return {h.id: h for h in db.session.scalars(select(Handle).where(Handle.user_id == user.id))}


def export_data(user: User) -> dict:
    """Everything stored about this account and written by it, as plain JSON-ready data.

    Posts, threads, stories and notifications are named by their public ids, as on the
    site: the row ids of others' posts that replied or were reported would tell the order
    and closeness in time of writing the site itself no longer shows. Raises
    ratelimit.RateLimited after EXPORT_LIMIT exports: each one reads every row.
    """
    ratelimit.hit([("export", current_app.config["EXPORT_LIMIT"], f"u{user.id}",
                    "That is as many downloads of your data as this site allows for now. "
                    "Please wait {wait}, then try again.")])
    handles = _handle_names(user)
    ids = list(handles)
    stories = db.session.scalars(
        select(Story).where(Story.handle_id.in_(ids)).options(joinedload(Story.thread))
        .order_by(Story.id)).all()
    parent = aliased(Post)
    posts = db.session.execute(
        select(Post, Thread.public_id, Thread.title, parent.public_id)
        .join(Thread, Post.thread_id == Thread.id)
        .outerjoin(parent, Post.parent_id == parent.id)
        .where(Post.handle_id.in_(ids)).order_by(Post.id)).all()
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id)
        .options(joinedload(Report.post), joinedload(Report.story)).order_by(Report.id)).all()
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .options(joinedload(Notification.thread), joinedload(Notification.post))
        .order_by(Notification.id)).all()
    follows = db.session.scalars(
        select(Follow).where(Follow.user_id == user.id)
        .options(joinedload(Follow.thread), joinedload(Follow.group)).order_by(Follow.id)).all()
    threads = dict(db.session.execute(select(Thread.id, Thread.public_id).where(
        Thread.id.in_([h.thread_id for h in handles.values() if h.thread_id is not None]))).all())
    return {
        "account": {
            "login_name": user.login_name, "email": user.email, "role": user.role,
            "bio": user.bio, "anonymous_by_default": user.anonymous_by_default,
            "follow_on_write": user.follow_on_write, "email_digest": user.email_digest,
            "created_at": _when(user.created_at), "suspended_until": _when(user.suspended_until),
            "suspension_reason": user.suspension_reason,
        },
        "handles": [
            {"name": h.name, "kind": h.kind, "thread_id": threads.get(h.thread_id),
             "created_at": _when(h.created_at)}
            for h in handles.values()
        ],
        "stories": [_story_data(story, handles[story.handle_id]) for story in stories],
        "posts": [
            {"id": post.public_id, "thread_id": thread, "thread_title": title,
             "parent_id": parent_id, "posted_as": handles[post.handle_id].name,
             "anonymous": handles[post.handle_id].is_anonymous, "state": post.state,
             "body": post.body, "created_at": _when(post.created_at),
             "edited_at": _when(post.edited_at)}
            for post, thread, title, parent_id in posts
        ],
        "reports_filed": [
            {"post_id": _public(r.post), "story_id": _public(r.story), "reason": r.reason,
             "details": r.details, "state": r.state, "created_at": _when(r.created_at)}
            for r in reports
        ],
        "notifications": [
            {"kind": n.kind, "thread_id": _public(n.thread), "post_id": _public(n.post),
             "reason": n.reason, "created_at": _when(n.created_at), "read_at": _when(n.read_at)}
            for n in notifications
        ],
        "follows": [
            {"thread_id": _public(f.thread), "group": f.group.slug if f.group else None,
             "created_at": _when(f.created_at)}
            for f in follows
        ],
    }


def _public(row) -> str | None:
    return row.public_id if row is not None else None


def _story_data(story: Story, handle: Handle) -> dict:
    revisions = db.session.scalars(
        select(StoryRevision).where(StoryRevision.story_id == story.id)
        .order_by(StoryRevision.id)).all()
    return {
        "id": story.public_id, "title": story.title, "slug": story.slug,
        "summary": story.summary, "body": story.body, "content_warnings": story.warnings,
        "groups": [g.name for g in story.groups], "state": story.state,
        "posted_as": handle.name, "anonymous": handle.is_anonymous,
        "comments_thread_id": story.thread.public_id, "published_at": _when(story.published_at),
        "edited_at": _when(story.edited_at),
        "earlier_versions": [
            {"title": r.title, "summary": r.summary, "body": r.body,
             "created_at": _when(r.created_at)} for r in revisions
        ],
    }


# --- deleting the account -----------------------------------------------------------------

DELETED_NAME = "[deleted]"


def delete_account(user: User, *, password: str, remove_writing: bool, now: datetime) -> None:
    """Erase the account: its words emptied or removed, its names freed, its login gone.

    Every post and story loses its text either way. With `remove_writing`, what nobody
    replied to goes entirely; what others answered stays as a "[deleted]" placeholder so
    their words keep their place. All in one transaction. Raises ratelimit.RateLimited once
    the current password was tried too often.
    """
    if not confirm_password(user, password):
        raise SettingsError("current_password", "That is not your current password.")
    handle_ids = set(_handle_names(user))
    public = db.session.scalar(Handle.public_of(user))
    post_ids = set(db.session.scalars(select(Post.id).where(Post.handle_id.in_(handle_ids))))
    stories = db.session.scalars(select(Story).where(Story.handle_id.in_(handle_ids))).all()
    touched = set(db.session.scalars(select(Post.thread_id).where(Post.id.in_(post_ids))))
    touched |= {story.thread_id for story in stories}
    started = set(db.session.scalars(select(Thread.id).where(
        Thread.handle_id.in_(handle_ids), Thread.board_id.is_not(None))))
    # The statements below bypass the ORM, so its hook cannot see them: say it here.
    thread_cache.touch(db.session, touched)

    db.session.execute(
        update(Post).where(Post.id.in_(post_ids))
        .values(state=DELETED, body="", body_html="", excerpt="")
        .execution_options(synchronize_session=False))
    for story in stories:
        _erase_story(story, now)
    db.session.flush()
    if remove_writing:
        _remove_writing(post_ids, stories, started)
        _recount(touched)

    # Names: pseudonyms still shown on placeholders are cut loose from the account; the public
    # name is released so someone else may take it, and old pages no longer show it.
    db.session.execute(update(Handle).where(Handle.id.in_(handle_ids)).values(user_id=None)
                       .execution_options(synchronize_session=False))
    removed = _purge(Handle.__table__, handle_ids)
    if public is not None and public.id not in removed:
        db.session.execute(update(Handle).where(Handle.id == public.id).values(
            name=DELETED_NAME, name_key=f"#deleted{public.id}")
            .execution_options(synchronize_session=False))
    if _purge(User.__table__, {user.id}) != {user.id}:
        # A table added later points at users without saying what to do on delete.
        db.session.rollback()
        raise RuntimeError("The account is still referenced and was not deleted.")
    db.session.commit()
    db.session.expire_all()


def _erase_story(story: Story, now: datetime) -> None:
    """Empty a story in place: a "[deleted]" placeholder whose comments stay readable."""
    db.session.execute(delete(StoryRevision).where(StoryRevision.story_id == story.id))
    story.state, story.title, story.summary = DELETED, DELETED_NAME, ""
    story.body = story.body_html = story.excerpt = story.content_warnings = ""
    story.groups = []
    # The old address spelled out the title; "_" never appears in a generated slug. The
    # public id, not the row id: that would tell when the story was begun.
    story.slug = f"deleted_{story.public_id}"
    story.noindex = True
    thread = story.thread
    thread.title = DELETED_NAME
    if not thread.is_locked:
        thread.locked_at, thread.locked_by_author = now, True


def _remove_writing(post_ids: set[int], stories: list[Story], started: set[int]) -> None:
    """Delete the emptied posts, stories and threads that no one else's words depend on."""
    remaining = set(post_ids)
    # Each round removes the current leaves; a post whose replies were all removed becomes one,
    # and a post someone answered stays as a placeholder so every tree keeps its shape.
    while removed := _purge(Post.__table__, remaining):
        remaining -= removed
    for story in stories:
        if not _has_posts(story.thread_id) and _purge(Story.__table__, {story.id}):
            _purge(Thread.__table__, {story.thread_id})
    _purge(Thread.__table__, {t for t in started if not _has_posts(t)})


def _has_posts(thread_id: int) -> bool:
    first = db.session.scalar(select(Post.id).where(Post.thread_id == thread_id).limit(1))
    return first is not None


def _recount(thread_ids: set[int]) -> None:
    """Set the post count and latest activity of these threads from the posts they still hold."""
    count = select(func.count(Post.id)).where(Post.thread_id == Thread.id).scalar_subquery()
    latest = select(func.max(Post.created_at)).where(Post.thread_id == Thread.id).scalar_subquery()
    db.session.execute(
        update(Thread).where(Thread.id.in_(thread_ids))
        .values(post_count=count, last_post_at=func.coalesce(latest, Thread.created_at))
        .execution_options(synchronize_session=False))


def _purge(table: Table, ids: set[int]) -> set[int]:
    """Delete the rows among `ids` that no restricting foreign key still points at.

    Read from the schema rather than listed by hand, so a table added later is honoured:
    rows pointing here with ON DELETE CASCADE go too, SET NULL ones are cut loose, and any
    other reference (a report, a moderation log entry, a reply) keeps its target alive.
    """
    refs = [(fk.parent, (fk.ondelete or "").upper()) for other in db.metadata.tables.values()
            for fk in other.foreign_keys if fk.column.table is table]
    ids = set(ids)
    for column, ondelete in refs:
        if ids and ondelete not in ("CASCADE", "SET NULL"):
            ids -= set(db.session.scalars(select(column).where(column.in_(ids))))
    if not ids:
        return set()
    for column, ondelete in refs:
        if ondelete == "CASCADE":
            db.session.execute(delete(column.table).where(column.in_(ids)))
        elif ondelete == "SET NULL":
            db.session.execute(
                update(column.table).where(column.in_(ids)).values({column.name: None}))
    db.session.execute(delete(table).where(table.c.id.in_(ids)))
    return ids
