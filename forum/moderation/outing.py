"""The outing fast path: a post or story reported as identifying someone is hidden at once.

Naming a writer ("outing", doxxing) is the worst harm this site can let happen, and it is done
in minutes; a report that waits for a moderator waits too long. So a report with the reason
"this identifies someone" hides the item everywhere (its page, the cached tree, feeds, search,
the sitemap, notifications: everything that shows only visible writing) until a moderator
looks, when it comes from an established member, or once enough different members made it.
A board thread's opening post takes the thread with it: the title is that post's own words.

The item then heads the moderators' queue. A moderator confirms (it stays hidden, logged as a
removal) or restores it (logged, and the reports are dismissed). The public log says that a
report hid it, never who reported. How each reporter's outing reports turned out is shown to
moderators beside the report, without a name, so that abuse of the fast path is seen.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from .. import permissions
from ..extensions import db
from ..models import HIDDEN, Post, Report, Story, User
from ..models.moderation import ACTIONED, DISMISSED, OPEN
from ..posting.refusals import is_established
from .actions import (HIDE, HOLD, ModerationError, NotAllowed, clean_reason, commit, log_target,
                      record, resolve_reports, tell_author)
from .actions import restore as restore_item

OUTING = "outing"
# The reason stored in the log line of a hold: the log shows it in the reader's language
# (HOLD_REASON_WORDS), but the database keeps these English words.
HOLD_REASON = "Reported as identifying someone; hidden until a moderator reviews it."
HOLD_REASON_WORDS = _l("Reported as identifying someone; hidden until a moderator reviews it.")


def _target(item: Post | Story):
    return Report.post_id == item.id if isinstance(item, Post) else Report.story_id == item.id


def is_shown(item: Post | Story) -> bool:
    return item.is_visible if isinstance(item, Post) else item.is_published


def hold_if_outing(report: Report, reporter: User, item: Post | Story, now: datetime) -> bool:
    """Hide `item` pending review if this report qualifies; in the report's transaction."""
    if report.reason != OUTING or not is_shown(item):
        return False
    reporters = db.session.scalar(
        select(func.count(func.distinct(Report.reporter_id)))
        .where(_target(item), Report.reason == OUTING, Report.state == OPEN))
    if reporters < current_app.config["OUTING_REPORTERS"] and not is_established(reporter, now):
        return False
    if isinstance(item, Post):
        item.state = HIDDEN
        if opens_board_thread(item):
            # The thread's title is its opening post's own words, shown in every list, feed
            # and search result: it goes with the post.
            item.thread.hidden = True
    else:
        item.state, item.thread.hidden = HIDDEN, True
    record(None, HOLD, HOLD_REASON, now, **log_target(item))
    tell_author(item, "hidden until a moderator reviews a report", "", now)
    return True


def opens_board_thread(post: Post) -> bool:
    """Whether `post` is the first post of a board thread, the one its title belongs to."""
    if post.depth != 0 or post.thread.is_story:
        return False
    return db.session.scalar(
        select(func.min(Post.id)).where(Post.thread_id == post.thread_id)) == post.id


def is_held(item: Post | Story) -> bool:
    """Hidden by the fast path and not yet reviewed: open outing reports on a hidden item."""
    if is_shown(item) or (isinstance(item, Post) and item.is_deleted):
        return False
    return db.session.scalar(select(Report.id).where(
        _target(item), Report.reason == OUTING, Report.state == OPEN).limit(1)) is not None


def confirm(moderator: User, item: Post | Story, *, reason: str, now: datetime):
    """A moderator agrees: the item stays hidden, the reports are closed, the log says so."""
    if not permissions.can_hide(moderator):
        raise NotAllowed(_("Only moderators can confirm a removal."))
    reason = clean_reason(reason, required=True)
    if not is_held(item):
        raise ModerationError(_("This is not waiting for review."))
    record(moderator, HIDE, reason, now, **log_target(item))
    resolve_reports(moderator, item, ACTIONED, now)
    tell_author(item, "removed by a moderator", reason, now)
    commit()
    return item


def restore(moderator: User, item: Post | Story, *, reason: str, now: datetime):
    """A moderator puts a post or story back (actions.restore); a board thread the fast path
    took away with its opening post comes back with it. A thread hidden by a moderator's own
    decision stays as it is: only a held post's thread is brought back."""
    if not permissions.can_hide(moderator):
        raise NotAllowed(_("Only moderators can restore content."))
    if isinstance(item, Post) and item.thread.hidden and is_held(item) \
            and opens_board_thread(item):
        item.thread.hidden = False
    return restore_item(moderator, item, reason=reason, now=now)


class ReporterRecord(NamedTuple):
    """How one reporter's outing reports have turned out, shown to moderators without a name:
    closed by a moderator who acted on the item (a confirmed removal, a hide, a lock), closed
    without (restored, or dismissed when nothing was hidden), and still open."""

    acted_on: int
    dismissed: int
    waiting: int


def reporter_records(reporter_ids: set[int]) -> dict[int, ReporterRecord]:
    """Each reporter's outing reports by outcome, in one query."""
    if not reporter_ids:
        return {}
    rows = db.session.execute(
        select(Report.reporter_id, Report.state, func.count())
        .where(Report.reporter_id.in_(reporter_ids), Report.reason == OUTING)
        .group_by(Report.reporter_id, Report.state)).all()
    counts: dict[int, dict[str, int]] = {}
    for reporter_id, state, n in rows:
        counts.setdefault(reporter_id, {})[state] = n
    return {rid: ReporterRecord(c.get(ACTIONED, 0), c.get(DISMISSED, 0), c.get(OPEN, 0))
            for rid, c in counts.items()}
