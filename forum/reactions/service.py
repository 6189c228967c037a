"""Quiet support and "I lived this too": pressed, taken back, counted, and told to the writer.

Every press goes through the posting path's refusals (who may write, is the discussion open,
the rate limits) and is stored in one transaction: the row, and the counter on the story or
post that pages show (models/reactions.py). The row's key is the rule (one of each kind per
account per item), and the row is inserted so that a second arrival meets the first without
an error: the counter moves only when a row was really added or removed, so two presses racing
through two workers count once, and a double submit changes nothing.

Nobody is ever told who pressed: not the writer (one notification that counts people while it
is unread, "3 people reacted to your story"), not a moderator, not a page or a feed.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, delete, distinct, exists, func, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.dialects import postgresql, sqlite

from .. import permissions
from ..extensions import db
from ..models import Notification, Post, Story, User, story_groups
from ..models.notifications import REACTIONS
from ..models.reactions import KINDS, Corroboration, PostReaction, StoryReaction
from ..posting import refusals, restrictions
from ..threads import cache as thread_cache

# A reader's pressed kinds as one number (a bit per kind), read with the story.
_BITS = {kind: 1 << i for i, kind in enumerate(KINDS)}


def kinds() -> list[tuple[str, str]]:
    """The reactions there are, as (kind, words in the page's language), in their order."""
    return [(kind, str(label)) for kind, label in KINDS.items()]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise refusals.NotAllowed(_("There is no such reaction."), status=404)


def _insert(table, values: dict) -> bool:
    """Insert a row unless its key is there already (another request's, a moment ago): True
    when this one added it. The same on SQLite and PostgreSQL, and no error to recover from."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING says whether a row went in: a driver may not count the rows of a statement
    # (psycopg answers -1 here), the row it returns is certain.
    stmt = (dialect.insert(table).values(**values).on_conflict_do_nothing()
            .returning(*table.primary_key.columns))
    return db.session.execute(stmt).first() is not None


def _set(model, key: dict, on: bool, now: datetime) -> bool:
    """Add (`on`) or remove one row of `model`; True when something changed."""
    if on:
        return _insert(model.__table__, {**key, "created_at": now})
    conditions = [getattr(model, name) == value for name, value in key.items()]
    return db.session.execute(
        delete(model).where(*conditions).returning(model.user_id)
        .execution_options(synchronize_session=False)).first() is not None


def _count(model, item_id: int, column: str, delta: int) -> None:
    """Move an item's counter with its rows, in the same transaction."""
    counter = getattr(model, column)
    db.session.execute(update(model).where(model.id == item_id).values({counter: counter + delta})
                       .execution_options(synchronize_session=False))


def _check_reader(user: User, thread, handle, now: datetime) -> None:
    """The refusals every press meets: the account (log in, approved, not suspended), a
    discussion that is open, a story's author who barred this account, one's own writing."""
    refusals.check_writer(user, now)
    if thread.board is not None:
        refusals.check_board(user, thread.board)
    if restrictions.is_barred(user, thread):
        raise refusals.NotAllowed(_("The author of this story has closed it to you."))
    if permissions.owns(user, handle):
        raise refusals.NotAllowed(_("Your own writing takes no reactions from you."))


def _tell(model, item_id: int, first: bool, owner_id: int | None, handle_id: int,
          thread_id: int, post_id: int | None, now: datetime) -> None:
    """Someone reacted: the writer's unread notification about this item says how many
    people support it since the writer last read one about it (each account once, however
    many kinds it pressed or however often it took one back and pressed again), or one is
    started when this is the person's first support there. Never a notification per
    reaction, never a name.

    The number is counted again from the rows at each press, against the time the writer
    last *read* such a notice: a time set apart from the presses, so that people pressing at
    the same moment (each request with its own clock, committing in any order) are all
    counted by whichever of them counts last."""
    if owner_id is None:  # the account is gone
        return
    about = [Notification.user_id == owner_id, Notification.kind == REACTIONS,
             Notification.thread_id == thread_id,
             Notification.post_id.is_(None) if post_id is None
             else Notification.post_id == post_id]
    seen = aliased(Notification)
    last_read = (select(func.max(seen.read_at))
                 .where(seen.user_id == owner_id, seen.kind == REACTIONS,
                        seen.thread_id == thread_id, seen.read_at.is_not(None),
                        seen.post_id.is_(None) if post_id is None else seen.post_id == post_id)
                 .scalar_subquery())
    item = model.post_id if model is PostReaction else model.story_id
    people = (select(func.count(distinct(model.user_id)))
              .where(item == item_id,
                     or_(last_read.is_(None), model.created_at > last_read))
              .scalar_subquery())
    grown = db.session.execute(
        update(Notification).where(*about, Notification.read_at.is_(None))
        .values(tally=people).returning(Notification.id)
        .execution_options(synchronize_session=False)).first()
    if grown is None and first:
        db.session.add(Notification(user_id=owner_id, kind=REACTIONS, thread_id=thread_id,
                                    post_id=post_id, recipient_handle_id=handle_id,
                                    tally=db.session.scalar(select(people)), created_at=now))


def _first_from(model, user_id: int, column, item_id: int) -> bool:
    """Whether the reaction just added is this account's only one on the item: only then is
    the writer told of one more person."""
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.user_id == user_id, column == item_id)) == 1


def react_to_post(user: User, post: Post, kind: str, on: bool, now: datetime) -> bool:
    """Press (`on`) or take back one kind of quiet support under a post; True when it changed.
    The post's tree kept for readers is renewed with it (its thread's revision), as an edit
    renews it."""
    _check_kind(kind)
    thread = post.thread
    _check_reader(user, thread, post.handle, now)
    refusals.check_open(thread)
    if not post.is_visible:
        raise refusals.NotAllowed(_("This post takes no reactions."))
    refusals.count_write(user, "reaction", now)
    changed = _set(PostReaction, {"user_id": user.id, "post_id": post.id, "kind": kind}, on, now)
    if changed:
        _count(Post, post.id, f"{kind}_count", 1 if on else -1)
        thread_cache.touch(db.session, [post.thread_id])
        if on:
            _tell(PostReaction, post.id,
                  _first_from(PostReaction, user.id, PostReaction.post_id, post.id),
                  post.handle.user_id, post.handle_id, thread.id, post.id, now)
    db.session.commit()
    return changed


def react_to_story(user: User, story: Story, kind: str, on: bool, now: datetime) -> bool:
    """Press (`on`) or take back one kind of quiet support under a story; True when it
    changed. The story's comments may be closed: support asks nothing of the writer."""
    _check_kind(kind)
    _check_reader(user, story.thread, story.handle, now)
    if not story.is_published:
        raise refusals.NotAllowed(_("This story takes no reactions."))
    refusals.count_write(user, "reaction", now)
    changed = _set(StoryReaction, {"user_id": user.id, "story_id": story.id, "kind": kind}, on,
                   now)
    if changed:
        _count(Story, story.id, f"{kind}_count", 1 if on else -1)
        if on:
            _tell(StoryReaction, story.id,
                  _first_from(StoryReaction, user.id, StoryReaction.story_id, story.id),
                  story.handle.user_id, story.handle_id, story.thread_id, None, now)
    db.session.commit()
    return changed


def has_groups(story: Story) -> bool:
    """Whether the story is tagged with at least one group."""
    return db.session.scalar(select(exists().where(story_groups.c.story_id == story.id)))


def say_lived_this(user: User, story: Story, on: bool, now: datetime) -> bool:
    """Add (`on`) or withdraw this account's "I lived this too" under a story; True when it
    changed. Withdrawing is always possible, even once the author turned it off."""
    refusals.check_writer(user, now)
    if on and not permissions.can_say_lived_this(user, story, has_groups(story)):
        raise refusals.NotAllowed(_("This story does not take that."))
    refusals.count_write(user, "reaction", now)
    changed = _set(Corroboration, {"user_id": user.id, "story_id": story.id}, on, now)
    if changed:
        _count(Story, story.id, "lived_count", 1 if on else -1)
    db.session.commit()
    return changed


def set_lived_this(user: User, story: Story, on: bool, now: datetime) -> None:
    """The author shows (`on`) or hides "I lived this too" under their story. The members'
    notes are kept while it is off: each is its owner's, to withdraw or to find in their
    export, and the author can turn it on again without losing what people said."""
    refusals.check_writer(user, now)
    if not permissions.can_set_lived_this(user, story):
        raise refusals.NotAllowed(_("Only the story's author can change this."))
    refusals.count_write(user, "edit", now)
    story.lived_off = not on
    db.session.commit()


# --- what a page shows the reader of their own ------------------------------------------

def pressed_column(*, story_id):
    """The kinds the reader bound as :reader pressed under the story (`story_id`: its id
    column), as one number (pressed_kinds() reads it): a column of the story page's own
    statement. 0 for a visitor."""
    bits = case(_BITS, value=StoryReaction.kind, else_=0)
    return (select(func.coalesce(func.sum(bits), 0))
            .where(StoryReaction.story_id == story_id,
                   StoryReaction.user_id == bindparam("reader")).scalar_subquery())


def lived_column(*, story_id):
    """Whether the reader bound as :reader said they lived the story too: a column of the
    story page's own statement."""
    return (select(Corroboration.user_id)
            .where(Corroboration.story_id == story_id,
                   Corroboration.user_id == bindparam("reader")).exists())


def pressed_kinds(bits: int | None) -> frozenset[str]:
    """pressed_column()'s number as the kinds it stands for."""
    return frozenset(kind for kind, bit in _BITS.items() if (bits or 0) & bit)


def pressed_on_posts(user: User, post_ids) -> frozenset[tuple[int, str]]:
    """(post id, kind) for what `user` pressed among these posts: for a tree rendered for
    this reader alone (forum/threads/tree.py serves the shared one with its own query)."""
    if not post_ids:
        return frozenset()
    return frozenset(db.session.execute(
        select(PostReaction.post_id, PostReaction.kind)
        .where(PostReaction.user_id == user.id, PostReaction.post_id.in_(list(post_ids)))).all())


def threads_reacted_in(user_id: int) -> set[int]:
    """The discussions whose posts this account supported: their trees change when it goes."""
    return set(db.session.scalars(
        select(Post.thread_id).join(PostReaction, PostReaction.post_id == Post.id)
        .where(PostReaction.user_id == user_id).distinct()))


def forget_account(user_id: int) -> None:
    """Take an account's reactions and "I lived this too" away, counters and all (account
    deletion, in its transaction): the counts shown drop with it."""
    for model, item, column in ((PostReaction, Post, PostReaction.post_id),
                                (StoryReaction, Story, StoryReaction.story_id)):
        for item_id, kind in db.session.execute(
                select(column, model.kind).where(model.user_id == user_id)).all():
            _count(item, item_id, f"{kind}_count", -1)
        db.session.execute(delete(model).where(model.user_id == user_id))
    for story_id in db.session.scalars(
            select(Corroboration.story_id).where(Corroboration.user_id == user_id)).all():
        _count(Story, story_id, "lived_count", -1)
    db.session.execute(delete(Corroboration).where(Corroboration.user_id == user_id))


def export_rows(user_id: int) -> dict:
    """This account's reactions and "I lived this too", for "download my data"."""
    posts = db.session.execute(
        select(Post.public_id, PostReaction.kind, PostReaction.created_at)
        .join(PostReaction, PostReaction.post_id == Post.id)
        .where(PostReaction.user_id == user_id).order_by(PostReaction.created_at)).all()
    stories = db.session.execute(
        select(Story.public_id, Story.title, StoryReaction.kind, StoryReaction.created_at)
        .join(StoryReaction, StoryReaction.story_id == Story.id)
        .where(StoryReaction.user_id == user_id).order_by(StoryReaction.created_at)).all()
    lived = db.session.execute(
        select(Story.public_id, Story.title, Corroboration.created_at)
        .join(Corroboration, Corroboration.story_id == Story.id)
        .where(Corroboration.user_id == user_id).order_by(Corroboration.created_at)).all()
    return {
        "reactions": [
            *({"story_id": sid, "story_title": title, "kind": kind,
               "created_at": when.isoformat()} for sid, title, kind, when in stories),
            *({"post_id": pid, "kind": kind, "created_at": when.isoformat()}
              for pid, kind, when in posts),
        ],
        "lived_this_too": [{"story_id": sid, "story_title": title,
                            "created_at": when.isoformat()} for sid, title, when in lived],
    }
