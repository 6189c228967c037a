"""Barring a name from one's own story: the author picks a name, the site bars its account.

A loyalist who is barred under one name must not come back under a fresh pseudonym, so the
refusal is made against the account behind the name. Nothing here tells anyone which names
share an account: the author sees only the names they barred, barring a second name of the
same account answers exactly as barring anyone else, and the barred person reads the same
words whichever name they try.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from .. import permissions
from ..extensions import db
from ..models import HIDDEN, VISIBLE, Handle, Post, Story, StoryRestriction, Thread, User
from .refusals import NotAllowed, PostingError

BARRED = _l("Comments on this story are closed to you. Your text was not posted; it is kept "
            "below.")


class Barred(NotAllowed):
    """The writer's account is barred from commenting under this story."""


def is_barred(user: User, thread: Thread) -> bool:
    """Whether `user`'s account may not comment in `thread` (a story's comments)."""
    if not thread.is_story or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        select(StoryRestriction.id)
        .join(Story, Story.id == StoryRestriction.story_id)
        .where(Story.thread_id == thread.id, StoryRestriction.user_id == user.id).limit(1)
    ) is not None


def barred_column(*, story_id):
    """is_barred() as a column of the statement that reads the story (`story_id`: its id
    column), for the reader bound as :reader (None for a visitor, whom nothing bars): the
    story page asks no statement of its own for it."""
    return (select(StoryRestriction.id)
            .where(StoryRestriction.story_id == story_id,
                   StoryRestriction.user_id == bindparam("reader")).exists())


def commenters(story: Story, author: User) -> list[Handle]:
    """The names that commented under the story, other than the author's own, by name: the
    names the author can read there. A comment waiting for a moderator, deleted, or removed
    (unless the author moderates) shows no name in the tree, so it gives none here either."""
    shown = [VISIBLE, HIDDEN] if permissions.can_see_hidden(author) else [VISIBLE]
    return list(db.session.scalars(
        select(Handle).where(Handle.id.in_(
            select(Post.handle_id).where(Post.thread_id == story.thread_id,
                                         Post.state.in_(shown))))
        .where((Handle.user_id != author.id) | Handle.user_id.is_(None))
        .order_by(Handle.name)))


def barred_names(story: Story) -> list[StoryRestriction]:
    return list(db.session.scalars(
        select(StoryRestriction).where(StoryRestriction.story_id == story.id)
        .order_by(StoryRestriction.created_at, StoryRestriction.id)))


def bar(author: User, story: Story, name: str, now: datetime) -> StoryRestriction:
    """Bar the commenter called `name` (one who commented under the story) from it."""
    if not permissions.can_close_comments(author, story):
        raise NotAllowed(_("Only the story's author can bar a name from it."))
    handle = next((h for h in commenters(story, author) if h.name == name), None)
    if handle is None:
        raise PostingError(_("Choose one of the names that commented under your story."))
    if db.session.scalar(select(StoryRestriction.id).where(
            StoryRestriction.story_id == story.id, StoryRestriction.handle_id == handle.id)):
        raise PostingError(_("%(name)s is barred already.", name=handle.name))
    restriction = StoryRestriction(story_id=story.id, handle_id=handle.id,
                                   user_id=handle.user_id, created_at=now)
    db.session.add(restriction)
    try:
        db.session.commit()
    except IntegrityError:  # the same name barred twice at once
        db.session.rollback()
        raise PostingError(_("%(name)s is barred already.", name=handle.name)) from None
    return restriction


def lift(author: User, story: Story, restriction_id: int) -> Handle:
    """Take a name off the story's barred list (its account stays barred while another
    barred name shares it; the author is not told either way)."""
    if not permissions.can_close_comments(author, story):
        raise NotAllowed(_("Only the story's author can lift a bar."))
    restriction = db.session.scalar(select(StoryRestriction).where(
        StoryRestriction.id == restriction_id, StoryRestriction.story_id == story.id))
    if restriction is None:
        raise PostingError(_("That name is not barred from your story."))
    handle = restriction.handle
    db.session.delete(restriction)
    db.session.commit()
    return handle
