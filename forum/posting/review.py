"""New-member review: whether a writing waits for a moderator, and publishing it once approved.

A new account's first APPROVE_FIRST_POSTS writings (replies, new threads, stories) are stored
as they are written, in their place in the tree, but PENDING: only the writer sees them, marked
as waiting. Nothing else counts or shows them (thread counts, activity dates, notifications,
feeds, search, the sitemap, profiles), because each of those reads only visible posts,
published stories and threads that are not hidden. A moderator's approval (forum/moderation/
review.py) then does here what the write would have done: count the post in its thread and
tell the people who follow it.

"Approved writings" are counted, not kept in a column: the account's posts a reader can see or
a moderator hid after they were out, and its published or hidden stories. A writing its author
deleted no longer counts, which only ever holds more writing for review, never less.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import permissions, site_settings
from ..extensions import db
from ..models import HIDDEN, PUBLISHED, VISIBLE, Handle, Post, Story, Thread, User
from ..notifications import service as notifications
from ..notifications.service import StoryOwner

WAITING = _l("Thank you. A moderator reads the first writings of each new member before "
             "others see them; until then it shows here, marked as waiting, to you and to the "
             "moderators in their review queue only.")


# Set while an administrator's command writes (the demo seeding): no client's writing.
_lifted: ContextVar[bool] = ContextVar("review_lifted", default=False)


@contextmanager
def lifted():
    """No review inside: for administrative commands, which are no new member's writing."""
    token = _lifted.set(True)
    try:
        yield
    finally:
        _lifted.reset(token)


def first_posts_to_review() -> int:
    """How many writings of a new account wait for a moderator (0: none): the admin's
    setting (/admin/settings), else APPROVE_FIRST_POSTS."""
    return site_settings.approve_first_posts()


def approved_writings_count(user_id, enough):
    """How many of the account's writings are out (counting no further than `enough`), as a
    scalar subquery: the posting path asks it in the statement that reads the writer's handle.
    `user_id` and `enough` are values, or bound parameters of a statement built once."""
    mine = select(Handle.id).where(Handle.user_id == user_id)

    def counted(rows):  # each part stops at `enough`: an old account's writing is not all read
        return select(func.count()).select_from(rows.limit(enough).subquery()).scalar_subquery()

    posts = counted(select(Post.id).where(Post.handle_id.in_(mine),
                                          Post.state.in_((VISIBLE, HIDDEN))))
    stories = counted(select(Story.id).where(Story.handle_id.in_(mine),
                                             Story.state.in_((PUBLISHED, HIDDEN))))
    return posts + stories


def approved_writings(user: User, enough: int) -> int:
    """How many of the account's writings are out (counting no further than `enough`)."""
    return db.session.scalar(select(approved_writings_count(user.id, enough)))


def writings_to_review(user: User) -> int:
    """How many approved writings this account needs before its writing goes out at once;
    0 when nothing it writes can wait (review off, lifted, or a moderator), without a query.

    Moderators and administrators never wait: they are the ones who approve."""
    needed = first_posts_to_review()
    if needed <= 0 or _lifted.get() or permissions.can_moderate(user):
        return 0
    return needed


def must_wait(user: User) -> bool:
    """Tell whether this account's next writing waits for a moderator."""
    needed = writings_to_review(user)
    return needed > 0 and approved_writings(user, needed) < needed


def publish_post(post: Post, now: datetime) -> None:
    """Make an approved post visible in its place: counted in its thread, the thread shown if
    the post began it, and its readers told; no commit."""
    thread = post.thread
    post.state = VISIBLE
    if thread.is_waiting:
        thread.hidden = False
    db.session.execute(
        update(Thread).where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_post_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(thread, ["post_count", "last_post_at"])
    author = post.handle.user
    if author is None:  # the account went while the post waited: nobody to speak for
        return
    parent = db.session.get(Post, post.parent_id) if post.parent_id else None
    story = None
    if thread.is_story:
        story_row = thread.story
        story = StoryOwner(story_row.handle.user_id, story_row.handle_id)
    notifications.on_new_post(post, parent, author, now, story=story)


def publish_story(story: Story, now: datetime) -> None:
    """Publish an approved story as of now, and tell the followers of its groups; no commit."""
    story.state, story.published_at, story.thread.hidden = PUBLISHED, now, False
    story.thread.created_at = story.thread.last_post_at = now
    author = story.handle.user
    if author is not None:
        notifications.on_new_story(story, author, now)
