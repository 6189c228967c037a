"""Moderation: each action changes the content and writes its public log line in one transaction.

Anonymity rule: a moderator acts on a post or a story, never on the account behind it. When an
action reaches the account (suspending the author), the account is resolved here, inside the
service, and nothing it returns, logs or shows names that account or its public handle.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask import url_for
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import (
    HIDDEN,
    PUBLIC,
    PUBLISHED,
    ROLES,
    VISIBLE,
    Handle,
    ModAction,
    Post,
    Report,
    Story,
    Suspension,
    Thread,
    User,
)
from ..models.moderation import ACTIONED, DISMISSED, OPEN
from ..names import name_key
from ..notifications import service as notifications
from ..pagination import Page, paginate

# What ModAction.action holds. A parameter may follow a colon: "suspend:7", "set_role:admin".
LOCK, UNLOCK = "lock", "unlock"
CLOSE_COMMENTS, REOPEN_COMMENTS = "close_comments", "reopen_comments"
PIN, UNPIN = "pin", "unpin"
HIDE, RESTORE = "hide", "restore"
SUSPEND, UNSUSPEND = "suspend", "unsuspend"
DISMISS = "dismiss"
SET_ROLE = "set_role"

# A permanent suspension ends after the last representable year; the posting path says
# "permanently" for any date in year 9999.
PERMANENT = datetime(9999, 12, 31)
MAX_SUSPENSION_DAYS = 3650
REASON_MAX = 500
# Reported items shown at once; the busiest come first, so the rest can wait a page load.
QUEUE_SIZE = 50


class ModerationError(Exception):
    """An action that was refused; `message` says why, for the moderator."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(ModerationError):
    status = 403


# --- shared steps -----------------------------------------------------------------------

def public_handle_of(user: User) -> Handle | None:
    """The handle a moderator's actions are signed with: their public one, never a pseudonym."""
    return db.session.scalar(
        select(Handle).where(Handle.user_id == user.id, Handle.kind == PUBLIC)
    )


def clean_reason(reason: str | None, *, required: bool) -> str:
    """The reason as stored: one line-break style, no outer space, and present when needed."""
    reason = (reason or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(reason) > REASON_MAX:
        raise ModerationError(f"That reason is {len(reason):,} characters; the limit is {REASON_MAX}.")
    if required and not reason:
        raise ModerationError("Please give a reason: it is shown in the public moderation log.")
    return reason


def record(actor: Handle | None, action: str, reason: str, now: datetime, *,
           thread: Thread | None = None, story: Story | None = None, post: Post | None = None,
           handle: Handle | None = None) -> ModAction:
    """Add the public log line for an action to the current transaction (exactly one target)."""
    entry = ModAction(moderator_handle=actor, action=action, reason=reason, created_at=now,
                      thread=thread, story=story, post=post, handle=handle)
    db.session.add(entry)
    return entry


def close_thread(thread: Thread, reason: str, now: datetime, *, by_author: bool) -> None:
    """Stop new replies, remembering why and whether the story's author chose it."""
    thread.locked_at, thread.lock_reason, thread.locked_by_author = now, reason or None, by_author


def open_thread(thread: Thread) -> None:
    thread.locked_at, thread.lock_reason, thread.locked_by_author = None, None, False


def _resolve_reports(moderator: User, item: Post | Story, state: str, now: datetime) -> int:
    """Close the open reports on `item`, saying how; returns how many there were."""
    target = Report.post_id == item.id if isinstance(item, Post) else Report.story_id == item.id
    result = db.session.execute(
        update(Report).where(target, Report.state == OPEN)
        .values(state=state, resolved_at=now, resolved_by_id=moderator.id)
    )
    return result.rowcount


def _target(item) -> dict:
    """The one ModAction column an item is logged under; a story's comments log as the story."""
    if isinstance(item, Post):
        return {"post": item}
    if isinstance(item, Story):
        return {"story": item}
    return {"story": item.story} if item.is_story else {"thread": item}


def _tell_author(item: Post | Story, what: str, reason: str, now: datetime) -> None:
    """Let the author know, privately, what happened to their writing and why."""
    key = "post" if isinstance(item, Post) else "story"
    notifications.on_moderation(**{key: item}, action=what, reason=reason, now=now)


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ModerationError("That could not be saved; please try again.") from error


# --- locking and pinning ----------------------------------------------------------------

def lock(moderator: User, item: Thread | Post | Story, *, reason: str, now: datetime) -> Thread:
    """Close replies in a discussion (or the one a reported post or story is in), with a reason."""
    thread = item if isinstance(item, Thread) else item.thread
    if not permissions.can_lock(moderator, thread):
        raise NotAllowed("Only moderators can close a discussion.")
    reason = clean_reason(reason, required=True)
    if thread.is_locked and not thread.locked_by_author:
        raise ModerationError("This discussion is already closed.")
    close_thread(thread, reason, now, by_author=False)
    record(public_handle_of(moderator), LOCK, reason, now, **_target(thread))
    if not isinstance(item, Thread):
        _resolve_reports(moderator, item, ACTIONED, now)
    _commit()
    return thread


def unlock(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Let people reply again in a discussion a moderator or the author closed."""
    if not permissions.can_lock(moderator, thread):
        raise NotAllowed("Only moderators can reopen a discussion.")
    reason = clean_reason(reason, required=False)
    if not thread.is_locked:
        raise ModerationError("This discussion is open already.")
    open_thread(thread)
    record(public_handle_of(moderator), UNLOCK, reason, now, **_target(thread))
    _commit()
    return thread


def pin(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Keep a board thread at the top of its board."""
    return _set_pinned(moderator, thread, True, reason, now)


def unpin(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Let a pinned thread take its place by latest activity again."""
    return _set_pinned(moderator, thread, False, reason, now)


def _set_pinned(moderator: User, thread: Thread, pinned: bool, reason: str, now) -> Thread:
    if not permissions.can_pin(moderator, thread):
        raise NotAllowed("Only moderators can pin board threads.")
    reason = clean_reason(reason, required=False)
    if thread.pinned == pinned:
        raise ModerationError("This thread is pinned already." if pinned else "This thread is not pinned.")
    thread.pinned = pinned
    record(public_handle_of(moderator), PIN if pinned else UNPIN, reason, now, thread=thread)
    _commit()
    return thread


# --- hiding and restoring ---------------------------------------------------------------

def hide(moderator: User, item: Post | Story | Thread, *, reason: str, now: datetime):
    """Take a post, story or board thread out of public view; moderators can still read it."""
    if not permissions.can_hide(moderator):
        raise NotAllowed("Only moderators can remove content.")
    reason = clean_reason(reason, required=True)
    if isinstance(item, Post):
        if item.is_deleted:
            raise ModerationError("Its author already deleted this post.")
        if item.is_hidden:
            raise ModerationError("This post is hidden already.")
        item.state = HIDDEN
    elif isinstance(item, Story):
        if item.state != PUBLISHED:
            raise ModerationError("Only a published story can be removed.")
        # The comment section goes with the story: no replies, no links into it.
        item.state, item.thread.hidden = HIDDEN, True
    else:
        if item.is_story:
            raise ModerationError("A story's comments are removed with the story itself.")
        if item.hidden:
            raise ModerationError("This thread is hidden already.")
        item.hidden = True
    record(public_handle_of(moderator), HIDE, reason, now, **_target(item))
    if not isinstance(item, Thread):
        _resolve_reports(moderator, item, ACTIONED, now)
        _tell_author(item, "removed by a moderator", reason, now)
    _commit()
    return item


def restore(moderator: User, item: Post | Story | Thread, *, reason: str, now: datetime):
    """Put hidden content back where readers see it."""
    if not permissions.can_hide(moderator):
        raise NotAllowed("Only moderators can restore content.")
    reason = clean_reason(reason, required=False)
    if isinstance(item, Post):
        if not item.is_hidden:
            raise ModerationError("This post is not hidden.")
        item.state = VISIBLE
    elif isinstance(item, Story):
        if item.state != HIDDEN:
            raise ModerationError("This story is not hidden.")
        item.state, item.thread.hidden = PUBLISHED, False
    else:
        if not item.hidden or item.is_story:
            raise ModerationError("This thread is not hidden.")
        item.hidden = False
    record(public_handle_of(moderator), RESTORE, reason, now, **_target(item))
    if not isinstance(item, Thread):
        _tell_author(item, "restored", reason, now)
    _commit()
    return item


# --- suspensions ------------------------------------------------------------------------

def _author_of(moderator: User, item: Post | Story) -> User:
    """The account behind a post or story, for this service's eyes only."""
    author = item.handle.user
    if author is None:
        raise ModerationError("The account that wrote this no longer exists.")
    if author.id == moderator.id:
        raise ModerationError("You cannot suspend yourself.")
    return author


def _settle(user: User, now: datetime) -> None:
    """Sum up the account's suspensions in force: the longest one stops it from writing."""
    db.session.flush()
    longest = db.session.scalar(
        select(Suspension).where(Suspension.user_id == user.id, Suspension.lifted_at.is_(None),
                                 Suspension.until > now)
        .order_by(Suspension.until.desc(), Suspension.id.desc()).limit(1))
    user.suspended_until = longest.until if longest else None
    user.suspension_reason = longest.reason if longest else None


def suspend_author(moderator: User, item: Post | Story, *, days: int | None, reason: str,
                   now: datetime) -> datetime:
    """Stop the author of a post or story from writing for `days` (None: permanently).

    The suspension is applied through the item's name: moderators see it on that name only,
    and the log line names the post or story, never a handle.
    """
    if not permissions.can_suspend(moderator):
        raise NotAllowed("Only moderators can suspend an account.")
    reason = clean_reason(reason, required=True)
    if days is not None and not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ModerationError(
            f"Choose between 1 and {MAX_SUSPENSION_DAYS:,} days, or a permanent suspension.")
    author = _author_of(moderator, item)
    if _suspensions_through(item.handle_id, now):
        raise ModerationError("This name is suspended already.")
    until = PERMANENT if days is None else now + timedelta(days=days)
    db.session.add(Suspension(user_id=author.id, handle_id=item.handle_id,
                              moderator_id=moderator.id, until=until, reason=reason,
                              created_at=now))
    _settle(author, now)
    action = f"{SUSPEND}:{'permanent' if days is None else days}"
    record(public_handle_of(moderator), action, reason, now, **_target(item))
    _resolve_reports(moderator, item, ACTIONED, now)
    _tell_author(item, "your account is suspended because of this", reason, now)
    _commit()
    return until


def lift_suspension(moderator: User, item: Post | Story, *, reason: str, now: datetime) -> None:
    """Let the author of a post or story write again, ending what was applied through its name.

    A suspension applied through another of the account's names stays: this name was never
    told of it, and lifting it from here would tie the two names together.
    """
    if not permissions.can_suspend(moderator):
        raise NotAllowed("Only moderators can lift a suspension.")
    reason = clean_reason(reason, required=False)
    suspensions = _suspensions_through(item.handle_id, now)
    if not suspensions:
        raise ModerationError("This name is not suspended.")
    for suspension in suspensions:
        suspension.lifted_at = now
    author = item.handle.user
    if author is not None:
        _settle(author, now)
    record(public_handle_of(moderator), UNSUSPEND, reason, now, **_target(item))
    _commit()


def _suspensions_through(handle_id: int, now: datetime) -> list[Suspension]:
    """The suspensions in force that were applied through this one name."""
    return list(db.session.scalars(
        select(Suspension).where(Suspension.handle_id == handle_id,
                                 Suspension.lifted_at.is_(None), Suspension.until > now)))


class NameFacts(NamedTuple):
    """What a moderator may know about the author of an item: facts about its name only."""

    handle: Handle
    suspended_until: datetime | None  # a suspension applied through this very name
    reported: list[tuple[str, str]]  # (words, moderation link) of this name's other reported items


def name_facts(handles: list[Handle], now: datetime) -> dict[int, NameFacts]:
    """Facts about each of these names, keyed by handle id, in two queries for any number.

    The one source of everything a moderation page says about an author. It reads rows that
    point at the handle (suspensions applied through it, reports on its writing) and never
    the account behind it: that is how a moderator is kept from linking a pseudonym to its
    account or to the account's other names.
    """
    ids = {handle.id for handle in handles}
    if not ids:
        return {}
    until = dict(db.session.execute(
        select(Suspension.handle_id, func.max(Suspension.until))
        .where(Suspension.handle_id.in_(ids), Suspension.lifted_at.is_(None),
               Suspension.until > now)
        .group_by(Suspension.handle_id)).all())
    reported: dict[int, list[tuple[str, str]]] = {}
    rows = db.session.execute(
        select(Post.handle_id, Post.public_id, Thread.title, Story.handle_id, Story.id,
               Story.slug, Story.title)
        .select_from(Report)
        .outerjoin(Post, Report.post_id == Post.id).outerjoin(Thread, Post.thread_id == Thread.id)
        .outerjoin(Story, Report.story_id == Story.id)
        .where(or_(Post.handle_id.in_(ids), Story.handle_id.in_(ids)))
        .distinct().order_by(Post.public_id, Story.id)).all()
    for post_handle, post_id, thread_title, story_handle, _, slug, story_title in rows:
        if post_id is not None:
            item = (f"A post in “{thread_title}”", url_for("moderation.post", post_id=post_id))
        else:
            item = (f"The story “{story_title}”", url_for("moderation.story", slug=slug))
        reported.setdefault(post_handle or story_handle, []).append(item)
    return {handle.id: NameFacts(handle, until.get(handle.id), reported.get(handle.id, []))
            for handle in handles}


def facts_about_authors(items: list[Post | Story], now: datetime) -> list[NameFacts]:
    """For each reported item, the facts about its author's name, less the item's own report."""
    facts = name_facts([item.handle for item in items], now)
    result = []
    for item in items:
        own = _review_link(item)
        author = facts[item.handle_id]
        result.append(author._replace(reported=[r for r in author.reported if r[1] != own]))
    return result


def _review_link(item: Post | Story) -> str:
    if isinstance(item, Post):
        return url_for("moderation.post", post_id=item.public_id)
    return url_for("moderation.story", slug=item.slug)


def suspension_of(user, now: datetime) -> tuple[datetime, str] | None:
    """(until, reason) while `user` is suspended, for the notice at the top of every page."""
    if not (user and user.is_authenticated and user.is_suspended(now)):
        return None
    return user.suspended_until, user.suspension_reason or ""


# --- reports ----------------------------------------------------------------------------

def dismiss_reports(moderator: User, item: Post | Story, *, reason: str, now: datetime) -> int:
    """Close the open reports on a post or story without changing it."""
    if not permissions.can_review_reports(moderator):
        raise NotAllowed("Only moderators can dismiss reports.")
    reason = clean_reason(reason, required=False)
    count = _resolve_reports(moderator, item, DISMISSED, now)
    if not count:
        raise ModerationError("There are no open reports on this.")
    record(public_handle_of(moderator), DISMISS, reason, now, **_target(item))
    _commit()
    return count


def open_reports(item: Post | Story) -> list[Report]:
    """The open reports on one post or story, oldest first (reasons and details, no reporters)."""
    target = Report.post_id == item.id if isinstance(item, Post) else Report.story_id == item.id
    return list(db.session.scalars(
        select(Report).where(target, Report.state == OPEN).order_by(Report.created_at, Report.id)
    ))


class QueueItem(NamedTuple):
    """One reported post or story with its open reports, as the queue shows it."""

    post: Post | None
    story: Story | None
    count: int
    first_reported: datetime
    reports: list[Report]
    author: NameFacts  # what may be known of the author: facts about the name only
    excerpt: str  # the start of a reported story, as plain text (Story.EXCERPT_CHARS)


def report_queue(now: datetime, limit: int = QUEUE_SIZE) -> list[QueueItem]:
    """Reported items with open reports: most reported first, then the longest waiting.

    A fixed number of queries whatever the queue's length: the ranking, the posts, the
    stories, the reports' texts, and the facts about their authors' names.
    """
    count, first = func.count(Report.id), func.min(Report.created_at)
    ranked = db.session.execute(
        select(Report.post_id, Report.story_id, count, first)
        .where(Report.state == OPEN)
        .group_by(Report.post_id, Report.story_id)
        .order_by(count.desc(), first, Report.post_id, Report.story_id)
        .limit(limit)
    ).all()
    post_ids = [r.post_id for r in ranked if r.post_id is not None]
    story_ids = [r.story_id for r in ranked if r.story_id is not None]
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids))
        .options(joinedload(Post.thread), joinedload(Post.handle))
    )} if post_ids else {}
    stories = {s.id: s for s in db.session.scalars(
        select(Story).where(Story.id.in_(story_ids))
        .options(joinedload(Story.thread), joinedload(Story.handle))
    )} if story_ids else {}
    reports: dict[tuple, list[Report]] = {}
    if ranked:
        for report in db.session.scalars(
            select(Report).where(Report.state == OPEN,
                                 or_(Report.post_id.in_(post_ids), Report.story_id.in_(story_ids)))
            .order_by(Report.created_at, Report.id)
        ):
            reports.setdefault((report.post_id, report.story_id), []).append(report)
    items = [posts.get(r.post_id) or stories.get(r.story_id) for r in ranked]
    authors = facts_about_authors(items, now)
    return [
        QueueItem(posts.get(r.post_id), stories.get(r.story_id), r[2], r[3],
                  reports.get((r.post_id, r.story_id), []), author,
                  stories[r.story_id].excerpt if r.story_id else "")
        for r, author in zip(ranked, authors)
    ]


# --- roles ------------------------------------------------------------------------------

def staff() -> list[tuple[str, str]]:
    """(public handle, role) of every moderator and admin, by name."""
    return list(db.session.execute(
        select(Handle.name, User.role).join(User, Handle.user_id == User.id)
        .where(Handle.kind == PUBLIC, User.role != "member")
        .order_by(User.role, func.lower(Handle.name))
    ))


def set_role(admin: User, *, handle: str, role: str, reason: str, now: datetime) -> Handle:
    """Make the account with this public handle a member, moderator or admin."""
    if not permissions.can_change_roles(admin):
        raise NotAllowed("Only admins can change roles.")
    if role not in ROLES:
        raise ModerationError("Choose member, moderator or admin.")
    reason = clean_reason(reason, required=False)
    public = db.session.scalar(
        select(Handle).where(Handle.kind == PUBLIC, Handle.name_key == name_key(handle or ""),
                             Handle.user_id.is_not(None))
        .options(joinedload(Handle.user))
    )
    if public is None:
        raise ModerationError("No one has that public handle.")
    if public.user_id == admin.id:
        # Keeps the last admin from demoting themselves by accident.
        raise ModerationError("You cannot change your own role; ask another admin.")
    if public.user.role == role:
        raise ModerationError(f"{public.name} is a {role} already.")
    public.user.role = role
    record(public_handle_of(admin), f"{SET_ROLE}:{role}", reason, now, handle=public)
    _commit()
    return public


# --- the public log ---------------------------------------------------------------------

class LogEntry(NamedTuple):
    """One line of the public log, already worded: nothing hidden, no anonymous author."""

    id: str  # the entry's public id
    actor: Handle | None
    by_author: bool
    verb: str
    target: str
    url: str | None
    reason: str
    created_at: datetime


VERBS = {
    LOCK: "closed replies in", UNLOCK: "reopened replies in",
    CLOSE_COMMENTS: "closed comments on", REOPEN_COMMENTS: "reopened comments on",
    PIN: "pinned", UNPIN: "unpinned", HIDE: "removed", RESTORE: "restored",
    SUSPEND: "suspended the author of", UNSUSPEND: "lifted the suspension of the author of",
    DISMISS: "dismissed reports on", SET_ROLE: "made",
}
# On a story, closing replies reads as closing its comments.
STORY_VERBS = {LOCK: "closed comments on", UNLOCK: "reopened comments on"}


def _target_words(entry: ModAction, by_author: bool) -> tuple[str, str | None]:
    """What an action was done to, and a link to it, leaving out whatever is hidden now."""
    if entry.post is not None:
        thread = entry.post.thread
        if thread.hidden:
            return "a post in a removed discussion", None
        return f"a post in “{thread.title}”", url_for("threads.post", post_id=entry.post.public_id)
    if entry.story is not None:
        if entry.story.state != PUBLISHED:
            return "a story that is not public", None
        words = "their story" if by_author else "the story"
        return f"{words} “{entry.story.title}”", url_for("stories.show", slug=entry.story.slug)
    if entry.thread is not None:
        if entry.thread.hidden:
            return "a removed thread", None
        return f"the thread “{entry.thread.title}”", url_for("threads.show",
                                                            thread_id=entry.thread.public_id)
    if entry.handle is not None and entry.handle.kind == PUBLIC:
        link = url_for("profiles.show", handle=entry.handle.name) if entry.handle.has_profile else None
        return entry.handle.name, link
    return "an account", None


def _describe(entry: ModAction) -> LogEntry:
    """Word one log line for the public."""
    action, _, param = entry.action.partition(":")
    by_author = action in (CLOSE_COMMENTS, REOPEN_COMMENTS)
    verb = (STORY_VERBS if entry.story_id else VERBS).get(action) or VERBS.get(action, action)
    target, url = _target_words(entry, by_author)
    if action == SUSPEND:
        target += " permanently" if param == "permanent" else f" for {param} day{'' if param == '1' else 's'}"
    elif action == SET_ROLE:
        target += f" {'an' if param == 'admin' else 'a'} {param}"
    return LogEntry(entry.public_id, entry.moderator_handle, by_author, verb, target, url,
                    entry.reason, entry.created_at)


def log_page(after: str | None, per_page: int) -> Page:
    """One page of the public log, newest first, in a fixed number of queries."""
    stmt = (
        select(ModAction)
        .options(joinedload(ModAction.moderator_handle), joinedload(ModAction.thread),
                 joinedload(ModAction.story), joinedload(ModAction.handle),
                 joinedload(ModAction.post).joinedload(Post.thread))
        .order_by(ModAction.created_at.desc(), ModAction.id.desc())
    )
    page = paginate(stmt, ModAction, [ModAction.created_at, ModAction.id], after, per_page)
    page.items = [_describe(entry) for entry in page.items]
    return page
