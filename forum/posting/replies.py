"""Posts in a thread: starting a discussion on a board, replying, editing and deleting."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _, ngettext
from sqlalchemy import Select, Update, bindparam, delete, func, insert, null, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import make_transient_to_detached

from .. import background, permissions, text
from ..clock import utcnow
from ..extensions import db
from ..models import (DELETED, PENDING, PUBLIC, PUBLISHED, VISIBLE, Board, Handle, Post,
                      DeletedPostText, Story, StoryRestriction, Thread, User)
from ..models.content import DEFAULT_LANGUAGE, words_key
from ..notifications import service as notifications
from ..notifications.service import StoryOwner
from ..public_ids import new_public_id
from ..threads.service import page_start
from . import review
from .handles import handle_for
from .restrictions import BARRED, Barred
from .refusals import (NotAllowed, PostingError, TooLateToUndo, check_board, check_links,
                       check_open, check_pace, check_writer, clean_body, count_write,
                       refuse_duplicate, repeats_asked, repeats_clause)


def new_thread(author: User, title: str, board: Board | None, anonymous: bool,
               now: datetime, language: str = DEFAULT_LANGUAGE) -> Thread:
    """An empty thread on `board` (None: a story's comments), under the author's name for it,
    written in `language` (a story's comments: the story's)."""
    handle = handle_for(author, None, anonymous, now)
    thread = Thread(
        title=title, board=board, handle=handle, created_at=now, last_post_at=now, post_count=0,
        language=language,
    )
    db.session.add(thread)
    db.session.flush()
    if anonymous:
        handle.thread_id = thread.id
    return thread


def _held_before(thread_id: int, path: str):
    """How many posts before `path` in the thread only their writers see (a subquery)."""
    return (select(func.count())
            .where(Post.thread_id == thread_id, Post.path < path, Post.held_in_sql())
            .scalar_subquery())


@lru_cache(maxsize=4)
def _count_reply(dialect: str) -> Update:
    """Count a new visible post in its thread, returning how many posts all readers see
    before it, and whom to tell of it (notifications.told_column): parameters thread, path,
    at, and handle (the post's)."""
    threads, posts = Thread.__table__, Post.__table__
    thread_id, path = bindparam("thread"), bindparam("path")
    before = (select(func.count()).where(posts.c.thread_id == thread_id, posts.c.path < path)
              .scalar_subquery())
    # Less the posts only their writers see (from ix_posts_held): pages are cut from what
    # all see.
    # (Post.held_in_sql(): with its values written in, as the index's condition is, or the
    # planner reads every earlier post of the thread to check its state.)
    held = (select(func.count()).where(posts.c.thread_id == thread_id, posts.c.path < path,
                                       Post.held_in_sql()).scalar_subquery())
    # Not correlated (the thread's id as a value): SQLite writes RETURNING without table
    # names. Not count(id): the index on (thread_id, path) answers alone.
    return (update(threads).where(threads.c.id == thread_id)
            .values(post_count=threads.c.post_count + 1, last_post_at=bindparam("at"))
            .returning(before - held,
                       # SQLite writes RETURNING without table names, which the followers'
                       # join cannot do without: there on_new_post reads them itself.
                       notifications.told_column(dialect) if dialect == "postgresql"
                       else null()))


_INSERT_POST = insert(Post.__table__)
# Where the database hands out the id only with the INSERT (SQLite): the post goes in, then
# its path is set. Also the importer's road for comments (import_thread.py).
INSERT_POST_RETURNING_ID = insert(Post.__table__).returning(Post.__table__.c.id)
SET_PATH = (update(Post.__table__).where(Post.__table__.c.id == bindparam("post"))
             .values(path=bindparam("set_path")))


@dataclass(frozen=True)
class _Asked:
    """What a new post needs from the database before its INSERT, read in one statement."""

    handle_id: int | None  # the writer's public handle (None: anonymous, see handle_for)
    post_id: int | None  # the new post's id, where the database hands it out first
    held: bool  # it waits for a moderator (review.py)
    repeated: bool  # the writer posted these same words a moment ago (refusals.py)


@lru_cache(maxsize=16)
def _ask_statement(postgresql: bool, public: bool, reviewed: bool, repeats: bool) -> Select:
    """The statement _ask makes, built once for each of its few shapes: the busiest write of
    the site spends no time putting its expressions together again."""
    user_id = bindparam("user_id")
    # On PostgreSQL the post's id comes from its sequence here, so the post goes in with its
    # path in one INSERT: no second statement to set the path, no row version left behind by
    # it, and no placeholder path that a concurrent reply in the same thread would have to
    # wait behind (the unique index on thread and path). SQLite has no sequence (NULL): there
    # the path is set by an UPDATE after the INSERT.
    asked = [func.nextval(func.pg_get_serial_sequence("posts", "id")) if postgresql else null(),
             review.approved_writings_count(user_id, bindparam("enough")) if reviewed else null(),
             repeats_clause(user_id, bindparam("since"), bindparam("key"), postgresql)
             if repeats else null()]
    if not public:
        return select(*asked)
    return select(Handle.id, *asked).where(Handle.user_id == user_id, Handle.kind == PUBLIC)


# For the rest of the posting transaction, PostgreSQL runs the plan it keeps for each prepared
# statement instead of planning it again for each post's values. Left to choose, it plans
# _ask's statement (its subqueries and LATERAL join) afresh every time, because its estimate
# for the kept plan, not knowing the values, is higher: measured at PostgreSQL 1M, 1.3 ms a
# post against 0.5 with the kept plan, most of it planning (bench/RESULTS.md, seventh table).
# The statements after it (the post's INSERT, the thread's count, the notifications) look up
# rows by key, which a kept plan does as well. LOCAL: it ends with the transaction, so no
# page read meets it (some of theirs, such as the profile's handle lookup, need the plan made
# for their values).
_GENERIC_PLANS = sql_text("SET LOCAL plan_cache_mode = force_generic_plan")
# The same setting as a column (set_config(..., true) is SET LOCAL), for a statement the
# request makes anyway before it posts, on PostgreSQL: the reply form's lookup of its thread
# (posting/routes.py). It saves the round trip of its own, a tenth of a post's statements.
# That statement is planned before it sets anything; those after it are not.
KEEP_PLANS = func.set_config("plan_cache_mode", "force_generic_plan", True)


def _ask(author: User, anonymous: bool, repeats: dict | None = None,
         plans_kept: bool = False) -> _Asked:
    """The writer's public handle, the new post's id (where the database hands it out before
    the INSERT: on PostgreSQL, from its sequence), whether it waits for review and whether it
    repeats the writer (`repeats`: refusals.repeats_asked's values): one round trip, or none
    when nothing is to be asked. `plans_kept`: this transaction set KEEP_PLANS already."""
    needed = review.writings_to_review(author)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if anonymous and not (postgresql or needed or repeats):
        return _Asked(None, None, False, False)
    params = {"user_id": author.id, **({"enough": needed} if needed else {}), **(repeats or {})}
    if postgresql and not plans_kept:
        db.session.execute(_GENERIC_PLANS)
    row = tuple(db.session.execute(
        _ask_statement(postgresql, not anonymous, needed > 0, repeats is not None), params
    ).one())
    handle_id, post_id, approved_count, repeated = (None, *row) if anonymous else row
    return _Asked(handle_id, post_id, needed > 0 and approved_count < needed, bool(repeated))


def _ask_refusing_repeats(author: User, body: str, anonymous: bool, now: datetime,
                          plans_kept: bool = False) -> _Asked:
    """_ask, with the duplicate check (refusals.py) in the same statement; refuses a repeat."""
    asked = _ask(author, anonymous, repeats_asked(body, now), plans_kept)
    if asked.repeated:
        refuse_duplicate()
    return asked


def _add_post(author: User, thread: Thread, parent: Post | None, body: str, anonymous: bool,
              now: datetime, story: StoryOwner | None = None,
              asked: _Asked | None = None, once: str | None = None) -> tuple[Post, int, bool]:
    """Insert the post, count it in its thread, notify; returns it with the number of posts
    of the thread before it in reading order (where the redirect finds its page), and whether
    it waits for a moderator.

    `story`: who owns the story, when the thread is a story's comments and the caller knows.
    `asked`: what _ask read already, if the caller asked it.
    `once`: the digest of the form's one-time key (forum/submission_keys.py), stored with the
    post in its INSERT: its unique index refuses a second post from the same form.
    A post that waits (review.py: a new member's first writings) is stored in its place, but
    neither counted nor announced until it is approved."""
    max_depth = current_app.config["MAX_DEPTH"]
    # A reply to the deepest level attaches beside its parent, at that same level.
    while parent is not None and parent.depth >= max_depth - 1:
        parent = db.session.get(Post, parent.parent_id) if parent.parent_id else None
    if asked is None:
        asked = _ask(author, anonymous)
    post_id, held = asked.post_id, asked.held
    if anonymous:
        handle = handle_for(author, thread, True, now)
        if handle.id is None:  # a new pseudonym, for this thread
            db.session.flush()
        handle_id = handle.id
    else:
        handle_id = asked.handle_id
    prefix = parent.path if parent else ""
    rendered = text.render(body, Post.EXCERPT_CHARS)
    row = {"public_id": new_public_id(), "has_legacy_url": False, "thread_id": thread.id,
           "parent_id": parent.id if parent else None, "handle_id": handle_id, "body": body,
           "body_key": words_key(body), "body_html": rendered.html, "excerpt": rendered.excerpt,
           "created_at": now, "edited_at": None, "state": PENDING if held else VISIBLE,
           "depth": parent.depth + 1 if parent else 0, "submission_key": once,
           "language": thread.language}
    # A Core INSERT of every column, not the ORM's unit of work (the busiest write's dearest
    # step in Python); the ORM is then handed the post as if it had just read it.
    if post_id is not None:
        row.update(id=post_id, path=prefix + Post.path_segment(post_id))
        db.session.execute(_INSERT_POST, row)
    else:  # SQLite: the id comes with the INSERT, the path after it
        post_id = db.session.execute(INSERT_POST_RETURNING_ID, {**row, "path": ""}).scalar_one()
        row.update(id=post_id, path=prefix + Post.path_segment(post_id))
        db.session.execute(SET_PATH, {"post": post_id, "set_path": row["path"]})
    post = Post(**row)
    make_transient_to_detached(post)  # persistent, unchanged: nothing more to flush
    db.session.add(post)
    if held:
        before = db.session.scalar(select(
            select(func.count()).where(Post.thread_id == thread.id, Post.path < post.path)
            .scalar_subquery() - _held_before(thread.id, post.path)))
        return post, before, True
    # Counted in SQL, not in Python, so concurrent replies never lose an increment. The same
    # statement counts the posts before this one, for the page the writer is sent to. A Core
    # statement, built once.
    before, told = db.session.execute(
        _count_reply(db.session.get_bind().dialect.name),
        {"thread": thread.id, "path": post.path, "at": now, "handle": post.handle_id}).one()
    notifications.on_new_post(post, parent, author, now, story=story,
                              told=None if told is None else notifications.told_rows(told))
    return post, before, False


def create_thread(author: User, board: Board, *, title: str, body: str, anonymous: bool,
                  now: datetime, once: str | None = None,
                  language: str = DEFAULT_LANGUAGE) -> Thread:
    """Start a discussion on a board with its first post (which keeps the form's one-time
    key, `once`), written in `language`."""
    check_writer(author, now)
    check_board(author, board)
    body = clean_body(body)
    check_links(author, body, now)
    asked = _ask_refusing_repeats(author, body, anonymous, now)
    count_write(author, "topic", now)
    thread = new_thread(author, title.strip(), board, anonymous, now, language)
    _post, _place, held = _add_post(author, thread, None, body, anonymous, now, asked=asked, once=once)
    # A thread whose first post waits is hidden, so no list, feed or search shows its title
    # (Thread.is_waiting); its writer still reads it at its address.
    thread.hidden = held
    db.session.commit()
    return thread


@dataclass(frozen=True)
class Placed:
    """A new post and where it shows, read before the commit so the redirect needs no query."""

    post: Post
    held: bool  # waits for a moderator: only its writer sees it
    post_public_id: str
    thread_public_id: str
    story_slug: str | None  # the story whose comments these are; None on a board
    after: str | None  # the page showing the post starts after this post; None: the first page


def reply(author: User, thread: Thread, parent: Post | None, body: str, *, anonymous: bool,
          now: datetime, once: str | None = None, plans_kept: bool = False) -> Placed:
    """Add a comment to a story or a reply in a thread, under `parent` if given, and tell
    where the new post shows: its page of the thread or story. `once`: the digest of the
    form's one-time key, kept on the post. `plans_kept`: the caller's transaction set
    KEEP_PLANS already (PostgreSQL)."""
    check_writer(author, now)
    check_open(thread)
    if thread.board is not None:
        check_board(author, thread.board)
    check_pace(author, thread, now)
    story = None
    if thread.is_story:
        # Whether comments are open (to this writer too), where the story lives, and whom to
        # tell: one query.
        barred = select(StoryRestriction.id).where(StoryRestriction.story_id == Story.id,
                                                   StoryRestriction.user_id == author.id)
        story = db.session.execute(
            select(Story.state, Story.slug, Handle.user_id, Story.handle_id,
                   barred.exists().label("barred"))
            .join(Handle, Handle.id == Story.handle_id).where(Story.thread_id == thread.id)
        ).first()
        if story is None or story.state != PUBLISHED:
            raise NotAllowed(_("This story is not published, so it cannot take comments yet."))
        if story.barred:
            raise Barred(str(BARRED))  # str: the words of this request's language
    if parent is not None and parent.thread_id != thread.id:
        raise PostingError(_("That reply belongs to another discussion."))
    if parent is not None and parent.is_held:
        raise PostingError(_("That post is not out yet, so it cannot be answered."))
    body = clean_body(body)
    check_links(author, body, now)
    # Whether these words repeat the writer's, asked with the handle and the new post's id.
    asked = _ask_refusing_repeats(author, body, anonymous, now, plans_kept)
    count_write(author, "reply", now)
    owner = StoryOwner(story.user_id, story.handle_id) if story else None
    post, before, held = _add_post(author, thread, parent, body, anonymous, now, story=owner,
                                   asked=asked, once=once)
    placed = Placed(post, held, post.public_id, thread.public_id, story.slug if story else None,
                    page_start(thread.id, before))
    db.session.commit()
    return placed


def edit_post(user: User, post: Post, body: str, now: datetime) -> Post:
    """Save the author's new text for their post and mark it edited."""
    check_writer(user, now)
    if not permissions.can_edit_post(user, post):
        raise NotAllowed(_("Only the author can edit this post."))
    check_open(post.thread)
    if post.thread.board is not None:
        check_board(user, post.thread.board)
    body = clean_body(body)
    check_links(user, body, now)
    count_write(user, "edit", now)
    rendered = text.render(body, Post.EXCERPT_CHARS)
    post.body, post.body_html, post.excerpt, post.edited_at = (
        body, rendered.html, rendered.excerpt, now)
    db.session.commit()
    return post


# How long an author may take back a deletion. Their text is kept that long, for them alone.
UNDO_WINDOW = timedelta(minutes=10)


def _forget_old_deletions(now: datetime) -> int:
    """Drop the kept text of every deletion past its undo window: then it is gone for good."""
    return db.session.execute(delete(DeletedPostText)
                              .where(DeletedPostText.deleted_at < now - UNDO_WINDOW)).rowcount


def forget_old_deletions() -> int:
    """The kept texts past their window, erased and committed (the timer set at each deletion,
    and the daily command, call this; so does every later deletion or undo)."""
    erased = _forget_old_deletions(utcnow())
    db.session.commit()
    return erased or 0


def delete_post(user: User, post: Post, now: datetime) -> Post:
    """Remove the author's text; the post keeps its place so replies still make sense.

    Its text is kept aside for UNDO_WINDOW, so the author can take the deletion back."""
    if not permissions.can_delete_post(user, post):
        raise NotAllowed(_("Only the author can delete this post."))
    _forget_old_deletions(now)
    db.session.add(DeletedPostText(post_id=post.id, state=post.state, body=post.body,
                                   edited_at=post.edited_at, deleted_at=now))
    post.state, post.body, post.body_html, post.excerpt, post.edited_at = (
        DELETED, "", "", "", now)
    db.session.commit()
    # Erased on time even if nobody deletes or undoes anything afterwards.
    background.run_after(UNDO_WINDOW.total_seconds() + 1, forget_old_deletions)
    return post


def undo_until(user: User, post: Post, now: datetime) -> datetime | None:
    """Until when the author may still undo deleting `post`; None when they cannot."""
    if not (post.is_deleted and permissions.owns(user, post.handle)):
        return None
    kept = db.session.scalar(select(DeletedPostText.deleted_at)
                             .where(DeletedPostText.post_id == post.id))
    if kept is None or kept + UNDO_WINDOW <= now:
        return None
    return kept + UNDO_WINDOW


def undo_delete(user: User, post: Post, now: datetime) -> Post:
    """Bring back a post its author deleted a moment ago, exactly as it was."""
    if not (post.is_deleted and permissions.owns(user, post.handle)):
        raise NotAllowed(_("Only the author can bring back this post."), status=404)
    kept = db.session.scalar(select(DeletedPostText).where(DeletedPostText.post_id == post.id))
    if kept is None or kept.deleted_at + UNDO_WINDOW <= now:
        _forget_old_deletions(now)
        db.session.commit()
        raise TooLateToUndo(ngettext(
            "It is too late to undo: a deleted post can be brought back for %(num)d minute "
            "only, and its text is now gone for good.",
            "It is too late to undo: a deleted post can be brought back for %(num)d minutes "
            "only, and its text is now gone for good.", UNDO_WINDOW.seconds // 60))
    rendered = text.render(kept.body, Post.EXCERPT_CHARS)
    post.state, post.body, post.body_html, post.excerpt, post.edited_at = (
        kept.state, kept.body, rendered.html, rendered.excerpt, kept.edited_at)
    db.session.delete(kept)
    _forget_old_deletions(now)
    db.session.commit()
    return post
