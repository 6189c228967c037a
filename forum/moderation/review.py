"""The review queue: a new member's first writings, read by a moderator before anyone else.

Writing waits here when forum/posting/review.py holds it. Approving publishes it where it was
written (a reply keeps its place in the tree, a thread its address, a story its slug) and only
then counts and announces it. Not approving tells the writer privately and keeps their text for
them: a post stays in place, seen by its writer alone and marked as not approved; a story goes
back to their drafts.

The queue shows each writing under the name it was written with, never the account or its
other names: a moderator approves a post, not a person. The public log says that a waiting
post or story was approved or not, with neither its place nor its name: "this pseudonym's
account is new" is a fact about the account behind it.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import DRAFT, PENDING, REFUSED, Post, Story, Thread, User
from ..posting.review import publish_post, publish_story
from .actions import ModerationError, NotAllowed, clean_reason, commit, record, tell_author

APPROVE, REFUSE = "approve", "refuse"
# Waiting writings shown at once, oldest first; the rest follow as these are decided.
QUEUE_SIZE = 50


class Waiting(NamedTuple):
    """One writing in the review queue."""

    post: Post | None
    story: Story | None
    created_at: datetime


def waiting() -> list[Waiting]:
    """The writings waiting for a moderator, oldest first, with their names and places."""
    posts = db.session.scalars(
        select(Post).where(Post.state == PENDING)
        .options(joinedload(Post.handle), joinedload(Post.thread).joinedload(Thread.board))
        .order_by(Post.created_at, Post.id).limit(QUEUE_SIZE)).all()
    stories = db.session.scalars(
        select(Story).where(Story.state == PENDING).options(joinedload(Story.handle))
        .order_by(Story.published_at, Story.id).limit(QUEUE_SIZE)).all()
    items = [Waiting(p, None, p.created_at) for p in posts]
    items += [Waiting(None, s, s.published_at) for s in stories]
    return sorted(items, key=lambda w: w.created_at)[:QUEUE_SIZE]


def waiting_count() -> int:
    """How many writings wait (shown on the reports queue): two counts, no text read."""
    posts = select(func.count()).where(Post.state == PENDING).scalar_subquery()
    stories = select(func.count()).where(Story.state == PENDING).scalar_subquery()
    return db.session.scalar(select(posts + stories))


def _check(moderator: User, item: Post | Story) -> None:
    if not permissions.can_review_new_writing(moderator):
        raise NotAllowed(_("Only moderators review new members' writing."))
    if item.state != PENDING:
        raise ModerationError(_("This is not waiting for a moderator any more."))


def approve(moderator: User, item: Post | Story, *, reason: str, now: datetime):
    """Publish a waiting post or story in its place; logged, and its writer told."""
    _check(moderator, item)
    reason = clean_reason(reason, required=False)
    if isinstance(item, Post):
        publish_post(item, now)
        record(moderator, APPROVE, reason, now, post=item)
    else:
        publish_story(item, now)
        record(moderator, APPROVE, reason, now, story=item)
    tell_author(item, "approved by a moderator and published", "", now)
    commit()
    return item


def refuse(moderator: User, item: Post | Story, *, reason: str, now: datetime):
    """Do not publish a waiting post or story: its writer is told why, and keeps their text."""
    _check(moderator, item)
    reason = clean_reason(reason, required=False)
    if isinstance(item, Post):
        item.state = REFUSED
        record(moderator, REFUSE, reason, now, post=item)
        tell_author(item, "not approved by a moderator (kept in place for you alone, with its "
                          "text)", reason, now)
    else:
        item.state, item.thread.hidden = DRAFT, False  # a draft, as any other
        record(moderator, REFUSE, reason, now, story=item)
        tell_author(item, "not approved by a moderator (it is back in your drafts)", reason, now)
    commit()
    return item
