"""New since my last visit: a member's read marks, what they say on a page and in a list,
and how long they are kept.

Only for a member who turned it on (User.keep_read_marks); nothing is read or written for a
visitor or anyone else. A page costs one statement to find the mark with what is new since
(for_page), and one upsert when the page showed posts newer than the mark (record): a reread
writes nothing. A list costs one statement for all its items (new_in).

A post counts as new when it came after the mark (a higher id), is visible to everyone, and
was not written under one of the reader's own names: a hidden, deleted or waiting post never
counts, whoever reads. A thread the member never opened has no mark and is not "new": the
lists would otherwise call every thread new for someone who just turned the setting on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import bindparam, case, delete, exists, func, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import VISIBLE, Handle, Post, Story, Thread, User
from ..models.reading import ReadMark

log = logging.getLogger("forum.reading")

# Marks not moved on for this long are deleted (prune, run daily by forum/jobs.py).
KEEP_FOR = timedelta(days=90)


def is_on(user) -> bool:
    """Tell whether `user` keeps read marks: a logged-in member who turned it on."""
    return bool(user and user.is_authenticated and user.keep_read_marks)


def _new_posts(user_id, last_post_id, thread_id):
    """The condition on posts that are new to the reader since `last_post_id`: later,
    visible to everyone, and not under one of the reader's names (a lookup by primary key)."""
    own = exists().where(Handle.id == Post.handle_id, Handle.user_id == user_id)
    return (Post.thread_id == thread_id, Post.id > last_post_id, Post.state == VISIBLE, ~own)


def _page_statement():
    """The mark of the reader bound as :user_id on the thread bound as :thread_id, with how
    many posts are new since, and the first of them in reading order."""
    new = _new_posts(bindparam("user_id"), ReadMark.last_post_id, ReadMark.thread_id)
    count = select(func.count(Post.id)).where(*new).scalar_subquery()
    first = select(Post.public_id).where(*new).order_by(Post.path).limit(1).scalar_subquery()
    return (select(ReadMark.last_post_id, count, first)
            .where(ReadMark.user_id == bindparam("user_id"),
                   ReadMark.thread_id == bindparam("thread_id")))


_PAGE = _page_statement()


@dataclass
class PageMarks:
    """What a thread or story page says to a member who keeps read marks, and the posts it
    showed (filled in by forum/threads/tree.py's rendered_tree)."""

    user_id: int
    thread_id: int
    last_post_id: int | None  # None: never read before
    new_count: int = 0
    first_new: str | None = None  # the public id of the first new post in reading order
    shown: dict = field(default_factory=dict)  # the page's posts: post id -> anchor

    def first_new_url(self) -> str | None:
        """Where "N new" leads: the first new post's anchor when it is on this page, else its
        own address, which finds its page."""
        if self.first_new is None:
            return None
        anchor = f"p{self.first_new}"
        if anchor in self.shown.values():
            return f"#{anchor}"
        return url_for("threads.post", post_id=self.first_new)


def for_page(user, thread: Thread) -> PageMarks | None:
    """The reader's mark on `thread` with what is new since, in one statement; None when the
    reader keeps no marks (a visitor, or the setting off: no statement at all)."""
    if not is_on(user):
        return None
    row = db.session.execute(_PAGE, {"user_id": user.id, "thread_id": thread.id}).first()
    if row is None:
        return PageMarks(user.id, thread.id, None)
    return PageMarks(user.id, thread.id, row[0], row[1] or 0, row[2])


def _upsert(dialect: str, user_id: int, thread_id: int, last_post_id: int, now: datetime):
    """INSERT … ON CONFLICT DO UPDATE on (user_id, thread_id); a mark never moves back (two
    tabs, an older page read after a newer one)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ReadMark).values(user_id=user_id, thread_id=thread_id,
                                   last_post_id=last_post_id, read_at=now)
    newer = stmt.excluded.last_post_id > ReadMark.last_post_id
    return stmt.on_conflict_do_update(
        index_elements=[ReadMark.user_id, ReadMark.thread_id],
        set_={"last_post_id": case((newer, stmt.excluded.last_post_id),
                                   else_=ReadMark.last_post_id),
              "read_at": case((newer, stmt.excluded.read_at), else_=ReadMark.read_at)})


def record(marks: PageMarks | None, now: datetime) -> None:
    """Move the mark to the newest post the page showed, when it showed one newer than the
    mark (one statement, committed); a page with nothing newer writes nothing. A first visit
    makes the mark even when the page shows no post yet (a story without comments): the
    comments that come later are then new."""
    if marks is None:
        return
    newest = max(marks.shown, default=0)
    if marks.last_post_id is not None and newest <= marks.last_post_id:
        return
    session = db.session()
    # The page is already made: nothing loaded for it needs reading again after the commit.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.execute(_upsert(db.engine.dialect.name, marks.user_id, marks.thread_id,
                                newest, now))
        session.commit()
    except SQLAlchemyError:
        # A mark that could not be written (the thread removed a moment ago) must not cost
        # the reader the page they were given: the next visit writes it.
        session.rollback()
        log.warning("read_mark_not_written")
    finally:
        session.expire_on_commit = expire


def new_in(user, stories=(), threads=()) -> set[str]:
    """Of the listed stories and threads (their public ids), those whose discussion has
    posts new to `user` since their mark: one statement for the whole page, none for a
    reader who keeps no marks or an empty list. Story and thread public ids never clash
    (forum/public_ids.py draws them at random from one large space)."""
    if not is_on(user) or not (stories or threads):
        return set()
    parts = []
    for public_id, thread_id, ids in ((Story.public_id, Story.thread_id, stories),
                                      (Thread.public_id, Thread.id, threads)):
        if not ids:
            continue
        new = _new_posts(user.id, ReadMark.last_post_id, ReadMark.thread_id)
        parts.append(select(public_id)
                     .join(ReadMark, (ReadMark.thread_id == thread_id)
                           & (ReadMark.user_id == user.id))
                     .where(public_id.in_(list(ids)), exists().where(*new)))
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return set(db.session.scalars(statement))


def turn_on(user: User) -> None:
    """Start keeping read marks for `user`: the next thread they open is marked."""
    user.keep_read_marks = True
    db.session.commit()


def turn_off(user: User) -> int:
    """Stop keeping read marks for `user` and delete every one they have, at once; returns
    how many were deleted."""
    user.keep_read_marks = False
    gone = forget(user.id)
    db.session.commit()
    return gone


def forget(user_id: int) -> int:
    """Delete every read mark of one account (turning it off, deleting the account), in the
    caller's transaction."""
    return db.session.execute(delete(ReadMark).where(ReadMark.user_id == user_id)
                              .execution_options(synchronize_session=False)).rowcount or 0


def prune(now: datetime) -> int:
    """Delete the marks not moved on in KEEP_FOR (90 days), in the caller's transaction (the
    daily jobs, forum/jobs.py); returns how many."""
    return db.session.execute(
        delete(ReadMark).where(ReadMark.read_at < now - KEEP_FOR)
        .execution_options(synchronize_session=False)).rowcount or 0


def marks_of(user: User):
    """The account's read marks, newest first, for the export: rows of (title, story slug or
    None, thread public id, the public id of the newest post seen (None if it is gone), read
    at). The thread is named as the member saw it: a story's title, or the thread's."""
    return db.session.execute(
        select(func.coalesce(Story.title, Thread.title), Story.slug, Thread.public_id,
               Post.public_id, ReadMark.read_at)
        .join(Thread, Thread.id == ReadMark.thread_id)
        .outerjoin(Story, Story.thread_id == Thread.id)
        .outerjoin(Post, Post.id == ReadMark.last_post_id)
        .where(ReadMark.user_id == user.id)
        .order_by(ReadMark.read_at.desc(), ReadMark.id.desc())).all()


__all__ = ["KEEP_FOR", "PageMarks", "for_page", "forget", "is_on", "marks_of", "new_in",
           "prune", "record", "turn_off", "turn_on"]
