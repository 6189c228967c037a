"""Notifications and follows. Written by the posting path inside its own transaction."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import (bindparam, case, delete, func, insert, literal, null, select,
                        text, union_all, update)
from sqlalchemy.orm import Bundle, joinedload

from .. import permissions
from ..auth.emails import is_usable
from ..extensions import db
from ..models import (BoardMember, Follow, Handle, Ignore, Notification, Post, Story, Thread,
                      User)
from ..models.accounts import ANONYMOUS, ROLES
from ..models.content import VISIBLE
from ..models.notifications import COMMENT, FOLLOWED, MODERATION, NEW_STORY, REPLY
from ..public_ids import new_public_ids


def _owner(handle_id: int | None) -> int | None:
    if handle_id is None:
        return None
    return db.session.scalar(select(Handle.user_id).where(Handle.id == handle_id))


class StoryOwner(NamedTuple):
    """Who a story's comments notify: its author's account (None once deleted), and the
    handle the story is signed with."""

    user_id: int | None
    handle_id: int


def _drop_those_ignoring(recipients: dict, handle_id: int) -> None:
    """Whoever ignores the name this was written under hears nothing of it."""
    if recipients:
        for user_id in db.session.scalars(select(Ignore.user_id).where(
                Ignore.handle_id == handle_id, Ignore.user_id.in_(list(recipients)))):
            recipients.pop(user_id, None)


def _drop_those_outside(recipients: dict, thread: Thread) -> None:
    """On a circle board, only its circle and the moderators hear of a new post: someone taken
    out of the circle, though they follow the thread or were answered there, hears nothing.
    (Every recipient is a member, so a members-only board drops nobody.)"""
    board = thread.board
    if not recipients or board is None or not board.is_circle:
        return
    inside = set(db.session.scalars(
        select(User.id).where(User.id.in_(list(recipients)),
                              User.role.in_(["moderator", "admin"])
                              | User.id.in_(select(BoardMember.user_id)
                                            .where(BoardMember.board_id == board.id)))))
    for user_id in list(recipients):
        if user_id not in inside:
            del recipients[user_id]


# The notifications of one new post, on PostgreSQL: the rows come as arrays, so the text of
# the INSERT is the same however many are told. The driver converts it once and the server
# keeps its plan, where a multi-row VALUES list is new text for each number of recipients
# (the dearest statement of the busiest write, in Python).
_NOTIFY_ALL = text(
    "INSERT INTO notifications (public_id, user_id, kind, thread_id, post_id, "
    "recipient_handle_id, created_at) "
    "SELECT r.public_id, r.user_id, r.kind, :thread_id, :post_id, r.handle_id, :created_at "
    "FROM unnest(CAST(:public_ids AS varchar[]), CAST(:user_ids AS integer[]), "
    "CAST(:kinds AS varchar[]), CAST(:handle_ids AS integer[])) "
    "AS r(public_id, user_id, kind, handle_id)")


_ARRAY_ITEMS = re.compile(r"[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*")


def _array(values) -> str:
    """`values` as PostgreSQL's text for an array ("{1,NULL,3}"), for _NOTIFY_ALL's CASTs: the
    driver sends one string where it would convert a list item by item (a quarter of the
    time, at forty recipients). Only row ids, public ids and kinds, none of them text from a
    person: anything that would need quoting is refused rather than quoted."""
    values = ["NULL" if value is None else str(value) for value in values]
    items = ",".join(values)
    # One match for all, and as many commas as there are values to part: none in a value.
    if not _ARRAY_ITEMS.fullmatch(items) or items.count(",") != len(values) - 1:
        raise ValueError(f"not ids, public ids or kinds: {values!r}")
    return "{" + items + "}"


def _notify_all(recipients: dict[int, tuple[str, int | None]], thread_id: int, post_id: int,
                now: datetime) -> None:
    """One INSERT for all the notifications of a new post: {user id: (kind, the recipient's
    name there)}."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_NOTIFY_ALL, {
            "public_ids": _array(new_public_ids(len(recipients))),
            "user_ids": _array(recipients),
            "kinds": _array(kind for kind, _ in recipients.values()),
            "handle_ids": _array(handle_id for _, handle_id in recipients.values()),
            "thread_id": thread_id, "post_id": post_id, "created_at": now})
        return
    # Elsewhere one multi-row INSERT too (RETURNING makes SQLAlchemy batch the rows into one
    # statement, "insertmanyvalues"), not one statement per row or per set of non-NULL columns.
    db.session.execute(insert(Notification.__table__).returning(Notification.__table__.c.id), [
        {"user_id": user_id, "kind": kind, "thread_id": thread_id, "post_id": post_id,
         "recipient_handle_id": handle_id, "created_at": now}
        for user_id, (kind, handle_id) in recipients.items()
    ])


# Who follows the thread (with the name each wrote under there), and who ignores the name a
# post was written under: built once, the busiest write asks it with each post.
_TOLD = union_all(
    select(Follow.user_id, Handle.id, literal(False))
    .outerjoin(Handle, (Handle.user_id == Follow.user_id)
               & (Handle.thread_id == bindparam("thread")))
    .where(Follow.thread_id == bindparam("thread")),
    select(Ignore.user_id, null(), literal(True)).where(Ignore.handle_id == bindparam("handle")),
)


def told_column(dialect: str):
    """_TOLD's rows as one JSON column (parameters :thread and :handle), for the statement
    that counts a new post in its thread on PostgreSQL: the posting path asks no statement
    of its own for them. Read back with told_rows()."""
    assert dialect == "postgresql", dialect
    rows = _TOLD.subquery()
    # An empty array, not NULL, when nobody is to be told: NULL means "not read".
    return select(func.coalesce(func.json_agg(func.json_build_array(*rows.c)),
                                text("'[]'::json"))).scalar_subquery()


def told_rows(value) -> list:
    """What told_column() returned, as the rows _TOLD gives."""
    return json.loads(value) if isinstance(value, str) else value


def on_new_post(post: Post, parent: Post | None, author: User, now: datetime, *,
                story: StoryOwner | None = None, told: list | None = None) -> None:
    """Tell the parent's author, the story's author and the thread's followers; no commit.

    Each recipient gets one notification, the most specific kind; the author gets none.
    `recipient_handle_id` is the name the recipient wrote under there, so a notification
    about an anonymous post reminds its owner of their pseudonym and tells no one else.
    `story` is who owns the story, when the caller has read it already; `told`, _TOLD's rows
    for this post, when the caller has read them already (told_column).
    """
    thread = post.thread
    recipients: dict[int, tuple[str, int | None]] = {}
    if parent is not None and parent.handle.user_id is not None:
        recipients[parent.handle.user_id] = (REPLY, parent.handle_id)
    if thread.is_story:
        if story is None:
            story_handle = thread.story.handle_id
            story = StoryOwner(_owner(story_handle), story_handle)
        if story.user_id is not None:
            recipients.setdefault(story.user_id, (COMMENT, story.handle_id))
    # The followers, and in the same statement whoever ignores the name this was written
    # under (they hear nothing of it, follower or not).
    rows = told if told is not None else db.session.execute(
        _TOLD, {"thread": thread.id, "handle": post.handle_id}).all()
    # The followers say whether the author follows already: no query of its own for that.
    following = False
    ignoring = set()
    for user_id, anonymous_handle, ignores in rows:
        if ignores:
            ignoring.add(user_id)
            continue
        following = following or user_id == author.id
        recipients.setdefault(user_id, (FOLLOWED, anonymous_handle))
    recipients.pop(author.id, None)
    for user_id in ignoring:
        recipients.pop(user_id, None)
    _drop_those_outside(recipients, thread)
    if recipients:
        _notify_all(recipients, thread.id, post.id, now)
    if author.follow_on_write and not following:
        db.session.add(Follow(user_id=author.id, thread_id=thread.id, created_at=now))


def on_new_story(story: Story, author: User, now: datetime) -> None:
    """Tell the followers of the story's groups; the author follows its comments; no commit."""
    group_ids = [g.id for g in story.groups]
    if group_ids:
        followers = dict.fromkeys(set(db.session.scalars(
            select(Follow.user_id).where(Follow.group_id.in_(group_ids))
        )) - {author.id})
        _drop_those_ignoring(followers, story.handle_id)
        if followers:
            db.session.execute(insert(Notification), [
                {"user_id": user_id, "kind": NEW_STORY, "thread_id": story.thread_id,
                 "created_at": now} for user_id in followers
            ])
    if author.follow_on_write:
        follow_thread(author, story.thread, now)


# What a moderator did, in the words tell_author() (forum/moderation/actions.py) stores with
# the notification, in English, before the moderator's own reason: put into the reader's
# language when the notification is shown (moderation_words), so notifications stored before
# there were languages read the same way.
MODERATION_ACTIONS = {
    "approved by a moderator and published": _l("approved by a moderator and published"),
    "not approved by a moderator (kept in place for you alone, with its text)":
        _l("not approved by a moderator (kept in place for you alone, with its text)"),
    "not approved by a moderator (it is back in your drafts)":
        _l("not approved by a moderator (it is back in your drafts)"),
    "hidden until a moderator reviews a report": _l("hidden until a moderator reviews a report"),
    "removed by a moderator": _l("removed by a moderator"),
    "restored": _l("restored"),
    "your account is suspended because of this":
        _l("your account is suspended because of this"),
}


def moderation_words(stored: str) -> str:
    """A moderation notification's stored reason in the reader's language: the action's
    words translated, the moderator's reason after them as they wrote it."""
    for english, words in MODERATION_ACTIONS.items():
        if stored == english:
            return str(words)
        if stored.startswith(english + ": "):
            return f"{words}: {stored[len(english) + 2:]}"
    return stored


def on_moderation(*, post: Post | None = None, story: Story | None = None, action: str,
                  reason: str, now: datetime) -> None:
    """Tell an author that a moderator acted on their post or story, and why; no commit."""
    handle_id = post.handle_id if post is not None else story.handle_id
    owner = _owner(handle_id)
    if owner is None:
        return
    thread_id = post.thread_id if post is not None else story.thread_id
    db.session.add(Notification(
        user_id=owner, kind=MODERATION, thread_id=thread_id,
        post_id=post.id if post is not None else None, recipient_handle_id=handle_id,
        reason=f"{action}: {reason}"[:500] if reason else action, created_at=now))


# --- following --------------------------------------------------------------------------

def follow_thread(user: User, thread: Thread, now: datetime) -> None:
    """Follow a thread or a story's comments (no commit; idempotent)."""
    exists = db.session.scalar(
        select(Follow.id).where(Follow.user_id == user.id, Follow.thread_id == thread.id))
    if exists is None:
        db.session.add(Follow(user_id=user.id, thread_id=thread.id, created_at=now))


def set_following(user: User, *, thread: Thread | None = None, group=None, follow: bool,
                  now: datetime) -> None:
    """Follow or unfollow one thread or one group."""
    target = (Follow.thread_id == thread.id) if thread is not None else (Follow.group_id == group.id)
    if follow:
        exists = db.session.scalar(select(Follow.id).where(Follow.user_id == user.id, target))
        if exists is None:
            db.session.add(Follow(user_id=user.id, created_at=now,
                                  thread_id=thread.id if thread is not None else None,
                                  group_id=group.id if group is not None else None))
    else:
        db.session.execute(delete(Follow).where(Follow.user_id == user.id, target))
    db.session.commit()


def is_following(user, *, thread: Thread | None = None, group=None) -> bool:
    if not user.is_authenticated:
        return False
    target = (Follow.thread_id == thread.id) if thread is not None else (Follow.group_id == group.id)
    return db.session.scalar(select(Follow.id).where(Follow.user_id == user.id, target)) is not None


def follows_column(*, thread_id=None, group_id=None):
    """Whether the reader bound as :reader (their account id; None for a visitor, which no
    follow has) follows the thread in `thread_id` or the group in `group_id` (its id column),
    as a column: for a statement built once per process (forum/threads/routes.py,
    forum/stories/routes.py)."""
    target = (Follow.thread_id == thread_id) if thread_id is not None else (
        Follow.group_id == group_id)
    return select(Follow.id).where(Follow.user_id == bindparam("reader"), target).exists()


def reader_id(user) -> int | None:
    """The value to bind as :reader: the account's id, or None for a visitor."""
    return user.id if user.is_authenticated else None


def follows_of(user: User):
    """What `user` follows, for their own page only: not threads on a board they can no
    longer read."""
    return (select(Follow).outerjoin(Thread, Follow.thread_id == Thread.id)
            .where(Follow.user_id == user.id, permissions.readable_threads(user, Thread.board_id))
            .options(joinedload(Follow.thread), joinedload(Follow.group))
            .order_by(Follow.created_at.desc(), Follow.id.desc()))


# --- reading ----------------------------------------------------------------------------

# The header counts unread notifications up to UNREAD_SHOWN and shows more as "9+". The
# count stops there, so every page's header costs the same for someone back after months
# away (thousands unread) as for someone with one new reply: an exact count read every
# unread row, and each row's thread, on every page.
UNREAD_SHOWN = 9


def _unread_of(user, user_id):
    """`user`'s unread notifications, leaving out boards they cannot read and discussions
    removed from their sight, counted up to UNREAD_SHOWN + 1: one more than the header
    shows as a number."""
    unread = (select(Notification.id)
              .outerjoin(Thread, Notification.thread_id == Thread.id)
              .where(Notification.user_id == user_id, Notification.read_at.is_(None),
                     permissions.readable_threads(user, Thread.board_id),
                     permissions.readable_notices(user, Thread.hidden, Notification.kind))
              .limit(UNREAD_SHOWN + 1).subquery())
    return select(func.count()).select_from(unread)


def unread_count(user: User) -> int:
    """The header's number: unread notifications counted up to UNREAD_SHOWN + 1, leaving
    out boards the person cannot read. Read with the account itself when the request began
    (load_reader), unless something since marked notifications read."""
    known = g.get("unread_notifications") if has_request_context() else None
    if known is not None and known[0] == user.id:
        return known[1]
    return db.session.scalar(_unread_of(user, user.id))


@lru_cache(maxsize=1)
def _reader_statement():
    """The account with id :user_id and its unread count, in one statement, built once.

    The count is unread_count()'s for that account, asked as a moderator if the row's role
    is one whose accounts moderate, else as a member (circles by the same :user_id), each
    through permissions.readable_threads, so the rule stays in the permission module. Only
    the branch the row's role takes is counted."""
    user_id = bindparam("user_id")
    as_member = SimpleNamespace(is_authenticated=True, is_moderator=False, id=user_id)
    as_moderator = SimpleNamespace(is_authenticated=True, is_moderator=True, id=user_id)
    moderating = [role for role in ROLES if User(role=role).is_moderator]
    unread = case(
        (User.role.in_([literal(role) for role in moderating]),
         _unread_of(as_moderator, user_id).scalar_subquery()),
        else_=_unread_of(as_member, user_id).scalar_subquery())
    return select(User, unread).where(User.id == user_id)


# What a GET answers without the page header, so without its count: static files, feeds,
# the sitemap, robots.txt, the favicon and the health check.
_HEADERLESS_BLUEPRINTS = {"feeds"}
_HEADERLESS_ENDPOINTS = {"static", "pages.favicon", "pages.healthz"}


def _reads_a_page() -> bool:
    return (has_request_context() and request.method in ("GET", "HEAD")
            and request.blueprint not in _HEADERLESS_BLUEPRINTS
            and request.endpoint not in _HEADERLESS_ENDPOINTS)


def load_reader(user_id: int) -> User | None:
    """The account a login names, for the user loader. For a page read (GET or HEAD) its
    header's unread count comes in the same statement and is kept for this request only
    (flask.g), to be forgotten by anything that marks notifications read; other requests
    (a form sent, a static file, a feed) load the account alone."""
    if not _reads_a_page():
        return db.session.get(User, user_id)
    row = db.session.execute(_reader_statement(), {"user_id": user_id}).first()
    if row is None:
        return None
    g.unread_notifications = (row[0].id, row[1])
    return row[0]


def _forget_unread() -> None:
    if has_request_context():
        g.pop("unread_notifications", None)


class Notice(NamedTuple):
    """One notification as its owner's page shows it. The names it shows come from handles
    only: the post's handle, and the reader's own pseudonym there."""

    id: int
    public_id: str
    kind: str
    thread_id: int | None
    recipient_handle_id: int | None
    reason: str | None
    tally: int | None  # REACTIONS: how many people, never who
    created_at: datetime
    read_at: datetime | None
    title: str | None  # the discussion's title; None: no discussion
    post_state: str | None  # None: no post
    post_excerpt: str | None
    author: str | None  # the name the post is signed with
    pseudonym: str | None  # the reader's name there, if it is an anonymous one

    @property
    def post_is_visible(self) -> bool:
        return self.post_state == VISIBLE


class _NoticeColumns(Bundle):
    """The columns of a Notice, read as one."""

    def create_row_processor(self, query, procs, labels):
        make = Notice._make

        def notice(row):
            return make([proc(row) for proc in procs])
        return notice


@lru_cache(maxsize=3)
def _notices_statement(reader_kind: str):
    """A person's notifications (the account with id :user_id, who reads boards as
    `reader_kind` says: permissions.board_reader), newest first, with what each shows, in one
    statement built once per process.

    Only the columns the page shows are read, from one join of the thread (its title, and
    the board that decides whether it is listed) and one of the post; the two names are
    single-row subqueries, which PostgreSQL plans in a fraction of the time of more joins
    (it plans every statement afresh)."""
    user_id = bindparam("user_id")
    reader = SimpleNamespace(is_authenticated=True, is_moderator=reader_kind == "all",
                             id=user_id)
    assert permissions.board_reader(reader)[0] == reader_kind
    author = select(Handle.name).where(Handle.id == Post.handle_id).scalar_subquery()
    pseudonym = (select(Handle.name).where(Handle.id == Notification.recipient_handle_id,
                                           Handle.kind == ANONYMOUS).scalar_subquery())
    columns = _NoticeColumns(
        "notice", Notification.id, Notification.public_id, Notification.kind,
        Notification.thread_id, Notification.recipient_handle_id, Notification.reason,
        Notification.tally, Notification.created_at, Notification.read_at, Thread.title, Post.state,
        Post.excerpt, author, pseudonym)
    return (select(columns)
            .select_from(Notification)
            .outerjoin(Thread, Notification.thread_id == Thread.id)
            .outerjoin(Post, Notification.post_id == Post.id)
            .where(Notification.user_id == user_id,
                   permissions.readable_threads(reader, Thread.board_id),
                   permissions.readable_notices(reader, Thread.hidden, Notification.kind))
            .order_by(Notification.id.desc()))


def for_user(user: User):
    """A person's notifications, newest first, as Notices, in one statement; bind
    for_user_params(user) to it.

    Notices from a board the person can no longer read (taken out of its circle), or about a
    discussion that was removed, are left out, title and all, as the board's own pages are
    (permissions.readable_notices)."""
    return _notices_statement(permissions.board_reader(user)[0])


def for_user_params(user: User) -> dict:
    """What for_user()'s statement is bound with: whose notifications they are."""
    return {"user_id": user.id}


# Kinds that pile up in one discussion: several unread ones show as one row.
GROUPED = (REPLY, COMMENT, FOLLOWED)


class Row:
    """One line on the notifications page: a notification, or several unread ones of the same
    kind in the same discussion ("5 new replies in ..."), shown by the newest."""

    __slots__ = ("latest", "count")

    def __init__(self, latest: Notice):
        self.latest = latest
        self.count = 1

    @property
    def excerpt(self) -> str:
        """The newest post's stored plain-text excerpt, while readers can see that post; none
        for a moderator's notice (it is about the person's own writing)."""
        notice = self.latest
        if notice.post_state is None or notice.kind == MODERATION or not notice.post_is_visible:
            return ""
        return notice.post_excerpt


def rows(notifications) -> list[Row]:
    """Group one page of notices (newest first) for reading: unread ones of a grouped
    kind in the same discussion, under the same name of the reader's, become one row, in the
    newest one's place."""
    shown: list[Row] = []
    at: dict[tuple, Row] = {}
    for notification in notifications:
        if notification.read_at is None and notification.kind in GROUPED:
            key = (notification.kind, notification.thread_id, notification.recipient_handle_id)
            if key in at:
                at[key].count += 1
                continue
            at[key] = Row(notification)
            shown.append(at[key])
        else:
            shown.append(Row(notification))
    return shown


def open_notification(user: User, notification: Notification, now: datetime) -> Post | None:
    """Mark read the notification opened, and with it the unread ones its row stood for (the
    same kind, discussion and name, up to it); return the post to go to: the oldest of those,
    so the reader starts at the first new one (None: the discussion itself)."""
    same = [Notification.user_id == user.id, Notification.read_at.is_(None),
            Notification.id <= notification.id]
    if notification.read_at is None and notification.kind in GROUPED:
        same += [Notification.kind == notification.kind,
                 Notification.thread_id == notification.thread_id,
                 Notification.recipient_handle_id.is_(None)
                 if notification.recipient_handle_id is None
                 else Notification.recipient_handle_id == notification.recipient_handle_id]
    else:
        same.append(Notification.id == notification.id)
    first = db.session.scalar(
        select(Post).join(Notification, Notification.post_id == Post.id).where(*same)
        .order_by(Notification.id).limit(1))
    db.session.execute(update(Notification).where(*same).values(read_at=now))
    db.session.commit()
    _forget_unread()
    return first or notification.post


def mark_read(user: User, now: datetime, notification_id: int | None = None) -> None:
    """Mark one of the person's notifications read, or all of them."""
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=now))
    db.session.commit()
    _forget_unread()


def update_settings(user: User, *, follow_on_write: bool, email_digest: bool) -> None:
    """Save how the person wants to hear about replies. The address is set in Settings."""
    user.follow_on_write = follow_on_write
    user.email_digest = email_digest
    db.session.commit()


# --- the daily digest -------------------------------------------------------------------

def digests_due(now: datetime) -> list[tuple[User, int]]:
    """People who asked for the digest, have new unread notifications, and had none today.

    `users.email` only ever holds a confirmed address (an unconfirmed one waits in
    pending_emails), so the digest never goes to an address nobody confirmed.
    """
    pending = (
        select(Notification.user_id, func.count(Notification.id).label("n"))
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None))
        .group_by(Notification.user_id).subquery()
    )
    rows = db.session.execute(
        select(User, pending.c.n).join(pending, pending.c.user_id == User.id)
        .where(User.email_digest.is_(True), User.email.is_not(None),
               (User.digest_sent_at.is_(None)) | (User.digest_sent_at <= now - timedelta(hours=23)))
    ).all()
    # An address stored before addresses were checked may not fit in a mail header: it is
    # left out, rather than stopping everyone's digest.
    return [(user, n) for user, n in rows if is_usable(user.email)]


def digest_sent(user: User, now: datetime) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.emailed_at.is_(None))
        .values(emailed_at=now))
    user.digest_sent_at = now
    db.session.commit()
