"""The public moderation log: every action, worded for the community, newest first.

The database keeps machine values ("lock", "suspend:7"); each line is worded here, when it is
shown, in the reader's language: one whole sentence per action, the target put in its place.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup, escape
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
from .outing import HOLD_REASON, HOLD_REASON_WORDS
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
    words: Markup  # what was done to what, the target linked when it may be opened
    reason: str
    created_at: datetime


# Each action as the rest of its log line, after who did it ("June Watch closed replies in the
# thread “X”"). %(target)s is what it was done to, worded by _target_words.
VERBS = {
    LOCK: _l("closed replies in %(target)s"), UNLOCK: _l("reopened replies in %(target)s"),
    CLOSE_COMMENTS: _l("closed comments on %(target)s"),
    REOPEN_COMMENTS: _l("reopened comments on %(target)s"),
    PIN: _l("pinned %(target)s"), UNPIN: _l("unpinned %(target)s"),
    HIDE: _l("removed %(target)s"), RESTORE: _l("restored %(target)s"),
    HOLD: _l("hid %(target)s"),
    UNSUSPEND: _l("lifted the suspension of the author of %(target)s"),
    DISMISS: _l("dismissed reports on %(target)s"),
    BOARD_CREATE: _l("created %(target)s"), BOARD_RENAME: _l("renamed %(target)s"),
    BOARD_DESCRIBE: _l("described %(target)s"), BOARD_ARCHIVE: _l("archived %(target)s"),
    BOARD_UNARCHIVE: _l("took out of the archive %(target)s"),
    CIRCLE_ADD: _l("let a member into the circle of %(target)s"),
    CIRCLE_REMOVE: _l("took a member out of the circle of %(target)s"),
    GROUP_ACCEPT: _l("accepted %(target)s"), GROUP_REFUSE: _l("refused %(target)s"),
    GROUP_RENAME: _l("renamed %(target)s"),
    GROUP_ALIAS: _l("gave another name to %(target)s"),
    GROUP_MERGE: _l("merged another group into %(target)s"),
}
AUDIENCE_VERBS = {"public": _l("opened to everyone %(target)s"),
                  "members": _l("opened to logged-in members only %(target)s"),
                  "circle": _l("closed to a circle of members %(target)s")}
# On a story, closing replies reads as closing its comments.
STORY_VERBS = {LOCK: VERBS[CLOSE_COMMENTS], UNLOCK: VERBS[REOPEN_COMMENTS]}
# Making someone a member or a moderator: a whole sentence per role (articles differ).
ROLE_VERBS = {"member": _l("made %(target)s a member"),
              "moderator": _l("made %(target)s a moderator"),
              "admin": _l("made %(target)s an admin")}


def _sentence(pattern, target: str, url: str | None, **values) -> Markup:
    """A log line's words from a catalogue pattern: the target put in (a link when it has
    one), every value escaped, the pattern's own words too."""
    linked = Markup('<a href="{}">{}</a>').format(url, target) if url else escape(target)
    return escape(str(pattern)) % {"target": linked, **values}


def _unseen(thread: Thread, viewer) -> bool:
    """Whether `thread` is on a board this reader of the log may not read."""
    return thread.board is not None and not permissions.can_see_board(viewer, thread.board)


def _target_words(entry: ModAction, by_author: bool, viewer, *,
                  writer: bool = False) -> tuple[str, str | None]:
    """What an action was done to, and a link to it, leaving out whatever is hidden now and
    whatever is on a board this reader may not read (its name and its threads' titles).
    `writer`: an appeal by a pseudonym, named only by the discussion it speaks in."""
    if entry.group is not None:
        if not entry.group.is_accepted:  # a member's proposal, never published
            return _("a proposed group"), None
        return (_("the group “%(name)s”", name=entry.group.name),
                url_for("stories.group", slug=entry.group.slug))
    if entry.board is not None:
        if not permissions.can_see_board(viewer, entry.board):
            return _("a board that is not public"), None
        return (_("the board “%(name)s”", name=entry.board.name),
                url_for("threads.board", slug=entry.board.slug))
    if entry.post is not None:
        thread = entry.post.thread
        if thread.hidden:
            return _("a post in a removed discussion"), None
        if _unseen(thread, viewer):
            return _("a post in a discussion that is not public"), None
        return (_("a post in “%(title)s”", title=thread.title),
                url_for("threads.post", post_id=entry.post.public_id))
    if entry.story is not None:
        if entry.story.state != PUBLISHED:
            return _("a story that is not public"), None
        words = (_("their story “%(title)s”", title=entry.story.title) if by_author
                 else _("the story “%(title)s”", title=entry.story.title))
        return words, url_for("stories.show", slug=entry.story.slug)
    if entry.thread is not None:
        if entry.thread.hidden:
            return (_("a writer in a removed thread") if writer else _("a removed thread")), None
        if _unseen(entry.thread, viewer):
            return (_("a writer in a thread that is not public") if writer
                    else _("a thread that is not public")), None
        words = (_("a writer in “%(title)s”", title=entry.thread.title) if writer
                 else _("the thread “%(title)s”", title=entry.thread.title))
        return words, url_for("threads.show", thread_id=entry.thread.public_id)
    if entry.handle is not None and entry.handle.kind == PUBLIC:
        link = url_for("profiles.show", handle=entry.handle.name) if entry.handle.has_profile else None
        return entry.handle.name, link
    return _("an account"), None


def _new_member_words(action: str, is_post: bool) -> Markup:
    """Approving or not a new member's writing: neither its place nor its name."""
    if action == APPROVE:
        words = (_("approved a post by a new member") if is_post
                 else _("approved a story by a new member"))
    else:
        words = (_("did not approve a post by a new member") if is_post
                 else _("did not approve a story by a new member"))
    return escape(words)


def _describe(entry: ModAction, viewer=None) -> LogEntry:
    """Word one log line for the public, or for one reader (`viewer`)."""
    action, _sep, param = entry.action.partition(":")
    if action in (APPROVE, REFUSE):
        # Neither place, name nor reason: that a name's account is new is a fact about the
        # account, and the reason was written to the writer alone (forum/moderation/review.py).
        return LogEntry(entry.public_id, entry.moderator_handle, False, False,
                        _new_member_words(action, bool(entry.post_id)), "", entry.created_at)
    by_author = action in (CLOSE_COMMENTS, REOPEN_COMMENTS)
    target, url = _target_words(entry, by_author, viewer, writer=action == APPEAL)
    pattern = (STORY_VERBS if entry.story_id else VERBS).get(action) or VERBS.get(action)
    values: dict[str, str] = {}
    if action == SUSPEND:
        pattern = _l("suspended the author of %(target)s %(length)s")
        values["length"] = logged_length_words(param)
    elif action == SET_ROLE:
        pattern = ROLE_VERBS.get(param)
        if pattern is None:  # a role the site no longer has: its stored name
            pattern, values["role"] = "made %(target)s %(role)s", param
    elif action == APPEAL:
        pattern = (_l("lifted, on appeal, the suspension of %(target)s") if param == LIFTED
                   else _l("upheld, on appeal, the suspension of %(target)s"))
    elif action == SLOW_MODE:
        if param != "0":
            # Translators: %(pace)s is "minute", "5 minutes", "hour"... (a slow-mode interval).
            pattern = _l("set slow mode (one post every %(pace)s per person) in %(target)s")
            values["pace"] = pace_words(int(param))
        else:
            pattern = _l("turned slow mode off in %(target)s")
    elif action == BOARD_MOVE:
        pattern = _l("moved up %(target)s") if param == "up" else _l("moved down %(target)s")
    elif action == BOARD_AUDIENCE:
        pattern = AUDIENCE_VERBS.get(param, _l("changed who may read %(target)s"))
    elif action == MEMBERS_ONLY:
        pattern = (_l("opened to established members only %(target)s") if param == "1"
                   else _l("opened to every member again %(target)s"))
    elif action == REGISTRATION:
        pattern = (_l("approved the registration of %(target)s") if param == "approved"
                   else _l("did not approve the registration of %(target)s"))
    elif action == SETTING:
        # An admin's change of a site setting: signed with their own handle, about no one.
        # Translators: %(target)s is "the setting “Registration” to by invitation".
        pattern, target, url = _l("set %(target)s"), setting_words(param), None
    if pattern is None:  # an action this version does not know: its stored name
        pattern, values["action"] = "%(action)s %(target)s", action
    # The fast path's reason was stored in English: shown in the reader's language.
    reason = str(HOLD_REASON_WORDS) if entry.reason == HOLD_REASON else entry.reason
    return LogEntry(entry.public_id, entry.moderator_handle, by_author, action == HOLD,
                    _sentence(pattern, target, url, **values), reason, entry.created_at)


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
