"""Account deletion: words emptied or removed, names freed, the login gone, in one transaction."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Table, delete, func, select, update

from ..auth.service import confirm_password
from ..extensions import db
from ..reading import service as reading
from ..models import (DELETED, HELD, REFUSED, DeletedPostText, Handle, ImportedComment,
                      ImportedStory, Post, Story, StoryRevision, Thread, User)
from ..reactions import service as reactions
from ..refusals import SettingsError
from ..threads import cache as thread_cache

DELETED_NAME = "[deleted]"

def delete_account(user: User, *, password: str, remove_writing: bool, now: datetime) -> None:
    """Erase the account: its words emptied or removed, its names freed, its login gone.

    Every post and story loses its text either way. With `remove_writing`, what nobody
    replied to goes entirely; what others answered stays as a "[deleted]" placeholder so
    their words keep their place. All in one transaction. Raises ratelimit.RateLimited once
    the current password was tried too often.
    """
    if not confirm_password(user, password):
        raise SettingsError("current_password", _("That is not your current password."))
    # What they read ("new since my last visit") goes first and whole.
    reading.forget(user.id)
    handle_ids = set(_handle_ids(user))
    public = db.session.scalar(Handle.public_of(user))
    post_ids = set(db.session.scalars(select(Post.id).where(Post.handle_id.in_(handle_ids))))
    stories = db.session.scalars(select(Story).where(Story.handle_id.in_(handle_ids))).all()
    touched = set(db.session.scalars(select(Post.thread_id).where(Post.id.in_(post_ids))))
    touched |= {story.thread_id for story in stories}
    started = set(db.session.scalars(select(Thread.id).where(
        Thread.handle_id.in_(handle_ids), Thread.board_id.is_not(None))))
    # The support the account gave goes with it, and the numbers shown drop (the trees of
    # the discussions it supported posts in change too).
    touched |= reactions.threads_reacted_in(user.id)
    reactions.forget_account(user.id)
    # The statements below bypass the ORM, so its hook cannot see them: say it here.
    thread_cache.touch(db.session, touched)

    # A post no reader ever saw (waiting for a moderator, or not approved) leaves no
    # "[deleted]" placeholder that would show it had been there: it is emptied and stays
    # unseen, out of the review queue; the moderation log's line about it still holds.
    db.session.execute(
        update(Post).where(Post.id.in_(post_ids), Post.state.in_(HELD))
        .values(state=REFUSED, body="", body_key=None, body_html="", excerpt="")
        .execution_options(synchronize_session=False))
    db.session.execute(
        update(Post).where(Post.id.in_(post_ids), Post.state.not_in(HELD))
        .values(state=DELETED, body="", body_key=None, body_html="", excerpt="")
        .execution_options(synchronize_session=False))
    # A post deleted a moment ago keeps its text for its author's undo: not past the account.
    db.session.execute(delete(DeletedPostText).where(DeletedPostText.post_id.in_(post_ids)))
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
    # Where an imported story came from (the writer's old blog, its path) says whose it was.
    imported = select(ImportedStory.id).where(ImportedStory.story_id == story.id)
    db.session.execute(delete(ImportedComment)
                       .where(ImportedComment.imported_story_id.in_(imported)))
    db.session.execute(delete(ImportedStory).where(ImportedStory.story_id == story.id))
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
    refs = _refs(table)
    ids = set(ids)
    for column, _target, ondelete in refs:
        if ids and ondelete not in ("CASCADE", "SET NULL"):
            ids -= set(db.session.scalars(select(column).where(column.in_(ids))))
    if not ids:
        return set()
    _cascade(refs, ids)
    db.session.execute(delete(table).where(table.c.id.in_(ids)))
    return ids


def _refs(table: Table) -> list:
    """The foreign keys that point at `table`: (their column, the column they point at, what
    they do on delete)."""
    return [(fk.parent, fk.column, (fk.ondelete or "").upper())
            for other in db.metadata.tables.values()
            for fk in other.foreign_keys if fk.column.table is table]


def _cascade(refs: list, ids: set) -> None:
    """What deleting the rows `ids` (of the table `refs` point at) does to the rows pointing
    at them, all the way down: a conversation with the moderators takes its messages, a
    suspension its appeal. Done here, not left to the database: SQLite does not enforce
    foreign keys unless asked, and a row cut loose there would outlive the account."""
    for column, _target, ondelete in refs:
        if ondelete == "CASCADE":
            child = column.table
            below = _refs(child)
            for target in {target for _, target, _ in below}:
                keys = set(db.session.scalars(select(target).where(column.in_(ids))))
                if keys:
                    _cascade([ref for ref in below if ref[1] is target], keys)
            db.session.execute(delete(child).where(column.in_(ids)))
        elif ondelete == "SET NULL":
            db.session.execute(
                update(column.table).where(column.in_(ids)).values({column.name: None}))


def _handle_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(Handle.id).where(Handle.user_id == user.id)))
