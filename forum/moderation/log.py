"""The public moderation log: every action, worded for the community, newest first."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..models import PUBLIC, PUBLISHED, Handle, ModAction, Post
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
from .pace import MEMBERS_ONLY, SLOW_MODE
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
