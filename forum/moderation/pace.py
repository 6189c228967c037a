"""Slow mode and members-only replies: a moderator cools a heated discussion.

Slow mode lets each writer post at most once per interval in one thread or story's comments;
members-only lets only established members (forum/posting/refusals.is_established) reply.
The posting path enforces both (check_pace) with its usual refusal, the writer's text kept.
Both show on the discussion's page and each change is in the public log.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import permissions
from ..models import Thread, User
from ..posting.refusals import pace_words
from .actions import ModerationError, NotAllowed, clean_reason, commit, log_target, record

SLOW_MODE, MEMBERS_ONLY = "slow_mode", "members_only"
# The intervals a moderator chooses from, in seconds (0: off).
INTERVALS = (0, 60, 300, 900, 3600, 86400)


def interval_label(seconds: int) -> str:
    """The words for one slow-mode choice, in the reader's language."""
    if not seconds:
        return _("Off")
    # Translators: %(pace)s is "minute", "5 minutes", "hour"... (a slow-mode interval).
    return _("One post every %(pace)s", pace=pace_words(seconds))


def set_pace(moderator: User, thread: Thread, *, interval: int, members_only: bool,
             reason: str, now: datetime) -> Thread:
    """Set a discussion's slow mode and members-only rule, logging each that changes."""
    if not permissions.can_lock(moderator, thread):
        raise NotAllowed(_("Only moderators can slow a discussion down."))
    if interval not in INTERVALS:
        raise ModerationError(_("Please choose one of the intervals offered."))
    reason = clean_reason(reason, required=False)
    changed = False
    if (thread.slow_mode_seconds or 0) != interval:
        thread.slow_mode_seconds = interval or None
        record(moderator, f"{SLOW_MODE}:{interval}", reason, now, **log_target(thread))
        changed = True
    if thread.members_only != members_only:
        thread.members_only = members_only
        record(moderator, f"{MEMBERS_ONLY}:{int(members_only)}", reason, now,
               **log_target(thread))
        changed = True
    if not changed:
        raise ModerationError(_("Nothing changed: the discussion already works that way."))
    commit()
    return thread
