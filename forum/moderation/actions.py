"""Moderation actions on content: lock, pin, hide and restore, and the steps every action shares.

Each action changes the content and writes its public log line in one transaction.
Anonymity rule: a moderator acts on a post or a story, never on the account behind it.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_number, gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .. import permissions, text
from ..extensions import db
from ..models import (
    HIDDEN,
    PUBLISHED,
    VISIBLE,
    Board,
    Group,
    Handle,
    ModAction,
    Post,
    Report,
    Story,
    Thread,
    User,
)
from ..models.moderation import ACTIONED, DISMISSED, OPEN
from ..notifications import service as notifications
from ..refusals import Refusal

# What ModAction.action holds. A parameter may follow a colon: "suspend:7", "set_role:admin".
LOCK, UNLOCK = "lock", "unlock"
CLOSE_COMMENTS, REOPEN_COMMENTS = "close_comments", "reopen_comments"
PIN, UNPIN = "pin", "unpin"
HIDE, RESTORE = "hide", "restore"
# The outing fast path hid an item until a moderator reviews it (forum/moderation/outing.py).
HOLD = "hold"
SUSPEND, UNSUSPEND = "suspend", "unsuspend"
DISMISS = "dismiss"
SET_ROLE = "set_role"
REASON_MAX = 500


class ModerationError(Refusal):
    """An action that was refused; `message` says why, for the moderator."""


class NotAllowed(ModerationError):
    status = 403


# --- shared steps -----------------------------------------------------------------------

def clean_reason(reason: str | None, *, required: bool) -> str:
    """The reason as stored: one line-break style, no outer space, and present when needed."""
    reason = text.normalise(reason, strip=True)
    if len(reason) > REASON_MAX:
        raise ModerationError(_("That reason is %(length)s characters; the limit is %(limit)d.",
                                  length=format_number(len(reason)), limit=REASON_MAX))
    if required and not reason:
        raise ModerationError(_("Please give a reason: it is shown in the public moderation log."))
    return reason


def record(by: User | Handle | None, action: str, reason: str, now: datetime, *,
           thread: Thread | None = None, story: Story | None = None, post: Post | None = None,
           handle: Handle | None = None, board: Board | None = None,
           group: Group | None = None) -> ModAction:
    """Add the public log line for an action to the current transaction (exactly one target).

    A moderator (a User) signs with their public handle, never a pseudonym; a story's author
    closing their own comments signs with the story's own name (a Handle); what the site did
    by its own rule (the outing fast path) is signed by nobody (None).
    """
    actor = by if by is None or isinstance(by, Handle) else db.session.scalar(Handle.public_of(by))
    entry = ModAction(moderator_handle=actor, action=action, reason=reason, created_at=now,
                      thread=thread, story=story, post=post, handle=handle, board=board,
                      group=group)
    db.session.add(entry)
    return entry


def close_thread(thread: Thread, reason: str, now: datetime, *, by_author: bool) -> None:
    """Stop new replies, remembering why and whether the story's author chose it."""
    thread.locked_at, thread.lock_reason, thread.locked_by_author = now, reason or None, by_author


def open_thread(thread: Thread) -> None:
    thread.locked_at, thread.lock_reason, thread.locked_by_author = None, None, False


def resolve_reports(moderator: User, item: Post | Story, state: str, now: datetime) -> int:
    """Close the open reports on `item`, saying how; returns how many there were."""
    target = Report.post_id == item.id if isinstance(item, Post) else Report.story_id == item.id
    result = db.session.execute(
        update(Report).where(target, Report.state == OPEN)
        .values(state=state, resolved_at=now, resolved_by_id=moderator.id)
    )
    return result.rowcount


def log_target(item) -> dict:
    """The one ModAction column an item is logged under; a story's comments log as the story."""
    if isinstance(item, Post):
        return {"post": item}
    if isinstance(item, Story):
        return {"story": item}
    return {"story": item.story} if item.is_story else {"thread": item}


def tell_author(item: Post | Story, what: str, reason: str, now: datetime) -> None:
    """Let the author know, privately, what happened to their writing and why."""
    key = "post" if isinstance(item, Post) else "story"
    notifications.on_moderation(**{key: item}, action=what, reason=reason, now=now)


def commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ModerationError(_("That could not be saved; please try again.")) from error


# --- locking and pinning ----------------------------------------------------------------

def lock(moderator: User, item: Thread | Post | Story, *, reason: str, now: datetime) -> Thread:
    """Close replies in a discussion (or the one a reported post or story is in), with a reason."""
    thread = item if isinstance(item, Thread) else item.thread
    if not permissions.can_lock(moderator, thread):
        raise NotAllowed(_("Only moderators can close a discussion."))
    reason = clean_reason(reason, required=True)
    if thread.is_locked and not thread.locked_by_author:
        raise ModerationError(_("This discussion is already closed."))
    close_thread(thread, reason, now, by_author=False)
    record(moderator, LOCK, reason, now, **log_target(thread))
    if not isinstance(item, Thread):
        resolve_reports(moderator, item, ACTIONED, now)
    commit()
    return thread


def unlock(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Let people reply again in a discussion a moderator or the author closed."""
    if not permissions.can_lock(moderator, thread):
        raise NotAllowed(_("Only moderators can reopen a discussion."))
    reason = clean_reason(reason, required=False)
    if not thread.is_locked:
        raise ModerationError(_("This discussion is open already."))
    open_thread(thread)
    record(moderator, UNLOCK, reason, now, **log_target(thread))
    commit()
    return thread


def pin(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Keep a board thread at the top of its board."""
    return _set_pinned(moderator, thread, True, reason, now)


def unpin(moderator: User, thread: Thread, *, reason: str, now: datetime) -> Thread:
    """Let a pinned thread take its place by latest activity again."""
    return _set_pinned(moderator, thread, False, reason, now)


def _set_pinned(moderator: User, thread: Thread, pinned: bool, reason: str, now) -> Thread:
    if not permissions.can_pin(moderator, thread):
        raise NotAllowed(_("Only moderators can pin board threads."))
    reason = clean_reason(reason, required=False)
    if thread.pinned == pinned:
        raise ModerationError(_("This thread is pinned already.") if pinned
                              else _("This thread is not pinned."))
    thread.pinned = pinned
    record(moderator, PIN if pinned else UNPIN, reason, now, thread=thread)
    commit()
    return thread


# --- hiding and restoring ---------------------------------------------------------------

def hide(moderator: User, item: Post | Story | Thread, *, reason: str, now: datetime):
    """Take a post, story or board thread out of public view; moderators can still read it."""
    if not permissions.can_hide(moderator):
        raise NotAllowed(_("Only moderators can remove content."))
    reason = clean_reason(reason, required=True)
    if isinstance(item, Post):
        if item.is_deleted:
            raise ModerationError(_("Its author already deleted this post."))
        if item.is_hidden:
            raise ModerationError(_("This post is hidden already."))
        item.state = HIDDEN
    elif isinstance(item, Story):
        if not item.is_published:
            raise ModerationError(_("Only a published story can be removed."))
        # The comment section goes with the story: no replies, no links into it.
        item.state, item.thread.hidden = HIDDEN, True
    else:
        if item.is_story:
            raise ModerationError(_("A story's comments are removed with the story itself."))
        if item.hidden:
            raise ModerationError(_("This thread is hidden already."))
        item.hidden = True
    record(moderator, HIDE, reason, now, **log_target(item))
    if not isinstance(item, Thread):
        resolve_reports(moderator, item, ACTIONED, now)
        tell_author(item, "removed by a moderator", reason, now)
    commit()
    return item


def restore(moderator: User, item: Post | Story | Thread, *, reason: str, now: datetime):
    """Put hidden content back where readers see it."""
    if not permissions.can_hide(moderator):
        raise NotAllowed(_("Only moderators can restore content."))
    reason = clean_reason(reason, required=False)
    if isinstance(item, Post):
        if not item.is_hidden:
            raise ModerationError(_("This post is not hidden."))
        item.state = VISIBLE
    elif isinstance(item, Story):
        if not item.is_hidden:
            raise ModerationError(_("This story is not hidden."))
        item.state, item.thread.hidden = PUBLISHED, False
    else:
        if not item.hidden or item.is_story:
            raise ModerationError(_("This thread is not hidden."))
        item.hidden = False
    record(moderator, RESTORE, reason, now, **log_target(item))
    if not isinstance(item, Thread):
        # Restoring answers the reports that hid it (the outing fast path's among them).
        resolve_reports(moderator, item, DISMISSED, now)
        tell_author(item, "restored", reason, now)
    commit()
    return item

