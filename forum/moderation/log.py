"""The public moderation log: every action, worded for the community, newest first."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..models import PUBLIC, PUBLISHED, Handle, ModAction, Post, Thread
from ..groups.service import GROUP_ACCEPT, GROUP_ALIAS, GROUP_MERGE, GROUP_REFUSE, GROUP_RENAME
from ..pagination import Page, paginate
from ..posting.refusals import pace_words
from ..site_settings import log_words as setting_words
from .actions import (
    CLOSE_COMMENTS,
    DISMISS,
    HIDE,
    HOLD,
    LOCK,
    PIN,
    REOPEN_COMMENTS,
    RESTORE,
    SET_ROLE,
    SUSPEND,
    UNLOCK,
    UNPIN,
    UNSUSPEND,
)
from .appeals import APPEAL, LIFTED
from .circles import (
    BOARD_ARCHIVE,
    BOARD_AUDIENCE,
    BOARD_CREATE,
    BOARD_DESCRIBE,
    BOARD_MOVE,
    BOARD_RENAME,
    BOARD_UNARCHIVE,
    CIRCLE_ADD,
    CIRCLE_REMOVE,
)
from .pace import MEMBERS_ONLY, SLOW_MODE
from .review import APPROVE, REFUSE
from .registrations import REGISTRATION
from .suspensions import logged_length_words

SETTING = "setting"  # "setting:<short name>=<value>" (forum/site_settings.py, log_action)


class LogEntry(NamedTuple):
    """One line of the public log, already worded: nothing hidden, no anonymous author."""

    id: str  # the entry's public id
    actor: Handle | None
    by_author: bool
    by_report: bool  # the outing fast path hid it, not a moderator
    verb: str
    target: str
    url: str | None
    reason: str
    created_at: datetime


VERBS = {
    LOCK: "closed replies in", UNLOCK: "reopened replies in",
    CLOSE_COMMENTS: "closed comments on", REOPEN_COMMENTS: "reopened comments on",
    PIN: "pinned", UNPIN: "unpinned", HIDE: "removed", RESTORE: "restored", HOLD: "hid",
    SUSPEND: "suspended the author of", UNSUSPEND: "lifted the suspension of the author of",
    DISMISS: "dismissed reports on", SET_ROLE: "made",
    BOARD_CREATE: "created", BOARD_RENAME: "renamed", BOARD_DESCRIBE: "described",
    BOARD_ARCHIVE: "archived", BOARD_UNARCHIVE: "took out of the archive",
    CIRCLE_ADD: "let a member into the circle of",
    CIRCLE_REMOVE: "took a member out of the circle of",
    GROUP_ACCEPT: "accepted", GROUP_REFUSE: "refused", GROUP_RENAME: "renamed",
    GROUP_ALIAS: "gave another name to", GROUP_MERGE: "merged another group into",
}
AUDIENCE_VERBS = {"public": "opened to everyone", "members": "opened to logged-in members only",
                  "circle": "closed to a circle of members"}
# On a story, closing replies reads as closing its comments.
STORY_VERBS = {LOCK: "closed comments on", UNLOCK: "reopened comments on"}


def _unseen(thread: Thread, viewer) -> bool:
    """Whether `thread` is on a board this reader of the log may not read."""
    return thread.board is not None and not permissions.can_see_board(viewer, thread.board)


def _target_words(entry: ModAction, by_author: bool, viewer) -> tuple[str, str | None]:
    """What an action was done to, and a link to it, leaving out whatever is hidden now and
    whatever is on a board this reader may not read (its name and its threads' titles)."""
    if entry.group is not None:
        if not entry.group.is_accepted:  # a member's proposal, never published
            return "a proposed group", None
        return f"the group “{entry.group.name}”", url_for("stories.group", slug=entry.group.slug)
    if entry.board is not None:
        if not permissions.can_see_board(viewer, entry.board):
            return "a board that is not public", None
        return f"the board “{entry.board.name}”", url_for("threads.board", slug=entry.board.slug)
    if entry.post is not None:
        thread = entry.post.thread
        if thread.hidden:
            return "a post in a removed discussion", None
        if _unseen(thread, viewer):
            return "a post in a discussion that is not public", None
        return f"a post in “{thread.title}”", url_for("threads.post", post_id=entry.post.public_id)
    if entry.story is not None:
        if entry.story.state != PUBLISHED:
            return "a story that is not public", None
        words = "their story" if by_author else "the story"
        return f"{words} “{entry.story.title}”", url_for("stories.show", slug=entry.story.slug)
    if entry.thread is not None:
        if entry.thread.hidden:
            return "a removed thread", None
        if _unseen(entry.thread, viewer):
            return "a thread that is not public", None
        return f"the thread “{entry.thread.title}”", url_for("threads.show",
                                                            thread_id=entry.thread.public_id)
    if entry.handle is not None and entry.handle.kind == PUBLIC:
        link = url_for("profiles.show", handle=entry.handle.name) if entry.handle.has_profile else None
        return entry.handle.name, link
    return "an account", None


def _describe(entry: ModAction, viewer=None) -> LogEntry:
    """Word one log line for the public, or for one reader (`viewer`)."""
    action, _, param = entry.action.partition(":")
    if action in (APPROVE, REFUSE):
        # Neither place, name nor reason: that a name's account is new is a fact about the
        # account, and the reason was written to the writer alone (forum/moderation/review.py).
        verb = "approved" if action == APPROVE else "did not approve"
        target = ("a post" if entry.post_id else "a story") + " by a new member"
        return LogEntry(entry.public_id, entry.moderator_handle, False, False, verb, target,
                        None, "", entry.created_at)
    by_author = action in (CLOSE_COMMENTS, REOPEN_COMMENTS)
    verb = (STORY_VERBS if entry.story_id else VERBS).get(action) or VERBS.get(action, action)
    target, url = _target_words(entry, by_author, viewer)
    if action == SUSPEND:
        target += " " + logged_length_words(param)
    elif action == SET_ROLE:
        target += f" {'an' if param == 'admin' else 'a'} {param}"
    elif action == APPEAL:
        verb = ("lifted, on appeal, the suspension of" if param == LIFTED
                else "upheld, on appeal, the suspension of")
        if entry.thread is not None:
            target = "a writer in " + target.removeprefix("the thread ")
    elif action == SLOW_MODE:
        verb = (f"set slow mode (one post every {pace_words(int(param))} per person) in"
                if param != "0" else "turned slow mode off in")
    elif action == BOARD_MOVE:
        verb = "moved up" if param == "up" else "moved down"
    elif action == BOARD_AUDIENCE:
        verb = AUDIENCE_VERBS.get(param, "changed who may read")
    elif action == MEMBERS_ONLY:
        verb = ("opened to established members only" if param == "1"
                else "opened to every member again")
    elif action == REGISTRATION:
        verb = ("approved the registration of" if param == "approved"
                else "did not approve the registration of")
    elif action == SETTING:
        # An admin's change of a site setting: signed with their own handle, about no one.
        verb, target, url = "set", setting_words(param), None
    return LogEntry(entry.public_id, entry.moderator_handle, by_author, action == HOLD, verb,
                    target, url, entry.reason, entry.created_at)


def log_page(after: str | None, per_page: int, viewer=None) -> Page:
    """One page of the public log as `viewer` (None: a visitor) may read it, newest first,
    in a fixed number of queries."""
    stmt = (
        select(ModAction)
        .options(joinedload(ModAction.moderator_handle),
                 joinedload(ModAction.story), joinedload(ModAction.handle),
                 joinedload(ModAction.board), joinedload(ModAction.group),
                 joinedload(ModAction.thread).joinedload(Thread.board),
                 joinedload(ModAction.post).joinedload(Post.thread).joinedload(Thread.board))
        .order_by(ModAction.created_at.desc(), ModAction.id.desc())
    )
    page = paginate(stmt, ModAction, [ModAction.created_at, ModAction.id], after, per_page)
    page.items = [_describe(entry, viewer) for entry in page.items]
    return page
